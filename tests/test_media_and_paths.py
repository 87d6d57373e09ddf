"""Lesson media: right type, caching headers, Range for video seeking, nothing outside the content root."""
import pytest

from tests.conftest import write_tree


@pytest.fixture
def media_client(make_app, content_dir, tmp_path):
    write_tree(content_dir, {"01-basics/clip.mp4": bytes(range(256)) * 40})
    (tmp_path / "secret.txt").write_text("private")
    return make_app(content_dir).test_client()


def test_media_are_served_with_type_etag_and_last_modified(media_client):
    response = media_client.get("/media/01-basics/mouse.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    again = media_client.get("/media/01-basics/mouse.svg", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_range_requests_let_a_video_seek(media_client):
    response = media_client.get("/media/01-basics/clip.mp4", headers={"Range": "bytes=256-511"})
    assert response.status_code == 206
    assert response.headers["Content-Range"] == "bytes 256-511/10240"
    assert response.data == bytes(range(256))


@pytest.mark.parametrize("path", [
    "/media/../secret.txt", "/media/%2e%2e/secret.txt", "/media/%2e%2e%2fsecret.txt",
    "/media/01-basics/../../secret.txt", "/media//etc/passwd", "/media/%2fetc%2fpasswd",
    "/media/01-basics/..%5c..%5csecret.txt", "/media/01-basics\\..\\..\\secret.txt",
    "/media/01-basics/01-the-mouse.md", "/media/01-basics/course.yml", "/media/..%252fsecret.txt",
    "/media-cache/../secret_key", "/media-cache/..%2fsecret_key",
])
def test_traversal_attempts_are_not_found(media_client, path):
    response = media_client.get(path, follow_redirects=True)     # '//' is first merged by a redirect
    assert response.status_code == 404
    assert b"private" not in response.data
