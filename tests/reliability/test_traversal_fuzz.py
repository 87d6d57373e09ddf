"""1,000+ generated traversal paths against the media routes: nothing outside the content root is served."""
import itertools

import pytest

from tests.conftest import write_tree

pytestmark = pytest.mark.slow

UPS = ["../", "..%2f", "..%2F", "%2e%2e/", "%2e%2e%2f", "%252e%252e%252f", "..\\", "..%5c", "....//",
       "..%c0%af", "..%ef%bc%8f", ".%2e/", "%2e./", "..;/", "..%00/", "%u002e%u002e/"]
TARGETS = ["secret.txt", "data/secret_key", "data/relais.sqlite3", "etc/passwd", "content/01-basics/01-the-mouse.md"]
PREFIXES = ["/media/", "/media/01-basics/", "/media-cache/", "/media//", "/media/%2f", "/media/./"]


def generated_paths():
    for prefix, up, depth, target in itertools.product(PREFIXES, UPS, (1, 2, 4), TARGETS):
        yield prefix + up * depth + target
    for absolute in ("/etc/passwd", "%2fetc%2fpasswd", "C:\\Windows\\win.ini", "file:///etc/passwd"):
        for prefix in PREFIXES:
            yield prefix + absolute


def test_generated_traversal_paths_never_leave_the_content_root(make_app, tmp_path):
    content = write_tree(tmp_path / "content", {
        "01-basics/01-the-mouse.md": "# Mouse\n\nSECRET-LESSON-SOURCE\n",
        "01-basics/ok.svg": '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>'})
    (tmp_path / "secret.txt").write_text("SECRET-OUTSIDE")
    client = make_app(content).test_client()
    paths = list(generated_paths())
    assert len(paths) >= 1000
    for path in paths:
        response = client.get(path, follow_redirects=True)
        body = response.get_data()
        assert response.status_code in (400, 404), f"{path} → {response.status_code}"
        assert b"SECRET" not in body and b"root:" not in body, path
    assert client.get("/media/01-basics/ok.svg").status_code == 200
