"""Shared fixtures: a real kiosk on a throwaway SQLite file, with demo or hand-made content."""
from __future__ import annotations

import os
import re
import textwrap
from pathlib import Path

import pytest

from kiosk.app import create_app
from kiosk.db import database

ROOT = Path(__file__).resolve().parent.parent


def _postgres_per_worker() -> None:
    """Give each pytest-xdist worker a PostgreSQL database of its own, made on first use.

    The hub tests drop and remake the hub's tables, so two workers must never share one database. This runs
    when the root conftest is imported, before any test module reads RELAIS_TEST_POSTGRES, and the servers
    the tests start in subprocesses inherit the worker's address.
    """
    worker, url = os.environ.get("PYTEST_XDIST_WORKER"), os.environ.get("RELAIS_TEST_POSTGRES")
    if not worker or not url or url.endswith(f"_{worker}"):
        return
    import psycopg2  # only the hub's test databases need it, and only under xdist

    base, _, name = url.rpartition("/")
    mine = f"{name}_{worker}"
    connection = psycopg2.connect(url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (mine,))
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{mine}"')
    connection.close()
    os.environ["RELAIS_TEST_POSTGRES"] = f"{base}/{mine}"


_postgres_per_worker()
DEMO_CONTENT = ROOT / "content"


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write a small content tree: {relative path: text or bytes}."""
    for rel, body in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(body, bytes):
            path.write_bytes(body)
        else:
            path.write_text(textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
    return root


SMALL_COURSE = {
    "01-basics/course.yml": """
        id: basics
        title: Basics
        language: en
        order: 1
        """,
    "01-basics/course.fr.yml": "title: Les bases\n",
    "01-basics/01-the-mouse.md": """
        ---
        id: basics-mouse
        title: The mouse
        duration: 10
        objectives: [Click]
        ---
        # The mouse

        A mouse moves the pointer.

        ## Clicking

        Press the left button once.

        ![A mouse](mouse.svg)

        ```quiz
        ? Which button opens a link?
        ( ) The right button
          > The right button opens a menu.
        (x) The left button
          > Yes!
        ? The mouse works without electricity.
        false
        ? Which key writes capitals?
        = Shift
        = Maj
        ```
        """,
    "01-basics/01-the-mouse.fr.md": """
        ---
        id: basics-mouse
        ---
        # La souris

        La souris déplace le pointeur. Sécurité d'abord.

        ## Cliquer

        Appuyez une fois sur le bouton gauche.

        ```quiz
        ? Quel bouton ouvre un lien ?
        ( ) Le bouton droit
        (x) Le bouton gauche
        ? La souris marche sans électricité.
        faux
        ? Quelle touche écrit les majuscules ?
        = Maj
        ```
        """,
    "01-basics/mouse.svg": '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4"/></svg>',
    "01-basics/02-reading.md": """
        # Reading

        Only in English, no quiz.

        ## Second step

        More text.
        """,
}


@pytest.fixture
def content_dir(tmp_path) -> Path:
    return write_tree(tmp_path / "content", SMALL_COURSE)


@pytest.fixture
def make_app(tmp_path):
    """Build kiosks on the same data folder (restart = call again)."""
    def build(content: Path, **config):
        settings = {"TESTING": True, "DATA_DIR": str(tmp_path / "data"), "CONTENT_DIR": str(content),
                    "SECRET_KEY": "test-secret", "DEFAULT_LANGUAGE": "fr"}
        settings.update(config)
        return create_app(settings)
    yield build
    if not database.is_closed():
        database.close()


@pytest.fixture
def app(make_app, content_dir):
    return make_app(content_dir)


@pytest.fixture
def demo_app(make_app):
    return make_app(DEMO_CONTENT)


@pytest.fixture
def client(app):
    return app.test_client()


CSRF = re.compile(rb'name="csrf_token" value="([^"]+)"')


class Learners:
    """Steps a learner takes, through real forms with their CSRF tokens."""

    def __init__(self, client):
        self.client = client

    def token(self, url: str = "/") -> str:
        page = self.client.get(url)
        return CSRF.search(page.data).group(1).decode()

    def post(self, url: str, data: dict | None = None, token_from: str | None = None, **kwargs):
        data = dict(data or {})
        data["csrf_token"] = self.token(token_from or "/")
        return self.client.post(url, data=data, **kwargs)

    def create(self, name: str = "Awa", picture: str = "sun", pin: str = "", headers=None):
        return self.post("/new", {"name": name, "picture": picture, "pin": pin, "pin_confirm": pin},
                         token_from="/new", headers=headers)

    def logout(self):
        return self.post("/logout", token_from="/home")

    def pick(self, uuid: str, pin: str = ""):
        return self.post(f"/learner/{uuid}", {"pin": pin}, token_from=f"/learner/{uuid}")


@pytest.fixture
def learners(client):
    return Learners(client)
