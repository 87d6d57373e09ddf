"""What the README promises exists: every setting documented, every command runs, pictures are resized."""
import subprocess
import sys

import click
from PIL import Image

from kiosk.cli import cli
from kiosk.db import database
from kiosk.models import Facilitator, LessonVersion
from kiosk.settings import SETTINGS
from tests.conftest import ROOT, write_tree


def test_every_setting_is_in_the_readme_table():
    from kiosk.settings import SYNC_SETTINGS
    from sync.hub.settings import SETTINGS as HUB_SETTINGS
    readme = (ROOT / "README.md").read_text()
    for setting in SETTINGS + SYNC_SETTINGS + HUB_SETTINGS:
        assert f"| `{setting.name}` |" in readme, f"{setting.name} is missing from README.md"


def command_paths(group, prefix=()):
    """Every command click knows, as the words typed after `relais` ("pack build"); asked as click's --help asks,
    since `relais` imports some of its commands only when they are wanted."""
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        yield " ".join(prefix + (name,))
        if isinstance(command, click.Group):
            yield from command_paths(command, prefix + (name,))


def test_every_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    commands = sorted(command_paths(cli))
    assert {"serve", "hub publish", "pack build", "update-content"} <= set(commands)
    for command in commands:
        assert f"`{command}" in readme, f"'relais {command}' is missing from README.md"


def test_init_db_and_create_facilitator_from_the_command_line(tmp_path):
    data = tmp_path / "data"
    run = [sys.executable, "run.py"]
    assert "schema version" in subprocess.run(run + ["init-db", "--data", str(data)], cwd=ROOT,
                                              capture_output=True, text=True, check=True).stdout
    made = subprocess.run(run + ["create-facilitator", "Samia", "--data", str(data)], cwd=ROOT,
                          input="a long password\n", capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    short = subprocess.run(run + ["create-facilitator", "Other", "--data", str(data)], cwd=ROOT,
                           input="short\n", capture_output=True, text=True)
    assert short.returncode != 0 and "10 characters" in short.stderr
    from kiosk.db import open_database
    with open_database(data / "relais.sqlite3").connection_context():
        assert [f.name for f in Facilitator.select()] == ["Samia"]


def test_large_pictures_get_a_smaller_copy_and_keep_the_original(make_app, content_dir):
    Image.new("RGB", (3000, 2000), (200, 120, 40)).save(content_dir / "01-basics" / "photo.jpg", quality=90)
    write_tree(content_dir, {"01-basics/03-photo.md": "# Photo\n\n![A big photo](photo.jpg)\n"})
    app = make_app(content_dir)
    with database.connection_context():
        html = LessonVersion.get(LessonVersion.title == "Photo").steps[0]["html"]
    assert 'width="1280"' in html and 'height="853"' in html and 'loading="lazy"' in html
    src = html.split('src="')[1].split('"')[0]
    client = app.test_client()
    small = client.get(src)
    assert small.status_code == 200 and Image.open(__import__("io").BytesIO(small.data)).width == 1280
    assert client.get("/media/01-basics/photo.jpg").status_code == 200


def test_the_demo_gift_quiz_is_served(demo_app):
    from tests.conftest import Learners
    client = demo_app.test_client()
    Learners(client).create()
    page = client.get("/courses/staying-safe-online/scams-and-phishing/quiz")
    assert page.status_code == 200 and page.get_data(as_text=True).count("<fieldset") == 4


def test_french_and_english_catalogues_are_complete():
    from babel.messages.pofile import read_po
    for language in ("fr", "en"):
        with open(ROOT / "locales" / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
            catalogue = read_po(handle)
        missing = [m.id for m in catalogue if m.id and (not m.string or (isinstance(m.string, tuple)
                                                                         and not all(m.string)))]
        assert not missing, f"{language}: untranslated {missing[:5]}"
        assert not [m.id for m in catalogue if m.id and m.fuzzy], f"{language}: fuzzy entries"
