"""A kiosk that serves lessons keeps out of memory the libraries only some commands or pages need."""
from __future__ import annotations

import json
import subprocess
import sys

from kiosk.db import database
from tests.conftest import ROOT

# Each is needed by a command or a page a learner reading a lesson never opens: a certificate's QR code
# (segno), signing and sealing (cryptography), indexing (yaml, PIL), spreadsheets (openpyxl), XML (lxml).
HEAVY = ("segno", "cryptography", "yaml", "PIL", "openpyxl", "lxml")

SERVE_A_LESSON = """
import json, re, sys
from kiosk.app import create_app
app = create_app({config})
client = app.test_client()
token = re.search(rb'name="csrf_token" value="([^"]+)"', client.get("/new").data).group(1).decode()
client.post("/new", data={{"csrf_token": token, "name": "Awa", "picture": "sun"}})
pages = [client.get(path).status_code for path in ("/home", "/courses", "/courses/basics", {lesson!r})]
held = sorted({{name.split(".")[0] for name in sys.modules}} & set({heavy!r}))
print(json.dumps({{"pages": pages, "held": held}}))
"""


LESSON = "/courses/basics/the-mouse"


def serve_a_lesson_in_a_fresh_kiosk(data_dir, content_dir, before: str = "") -> dict:
    """Start a kiosk in a new interpreter (this one holds all the tests imported) and read a lesson there."""
    config = {"DATA_DIR": str(data_dir), "CONTENT_DIR": str(content_dir), "SECRET_KEY": "test-secret",
              "DEFAULT_LANGUAGE": "fr", "NARRATION": "no"}
    script = SERVE_A_LESSON.format(config=config, lesson=LESSON, heavy=HEAVY).replace("pages = [", before + "pages = [")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120,
                         env={"PATH": "/usr/bin:/bin", "RELAIS_NARRATION": "no"}, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_kiosk_serving_a_lesson_has_not_loaded_the_libraries_of_commands_and_certificates(make_app, content_dir,
                                                                                            tmp_path):
    make_app(content_dir)                       # indexes the content, as the kiosk's first start did
    database.close()
    seen = serve_a_lesson_in_a_fresh_kiosk(tmp_path / "data", content_dir)
    assert seen["pages"] == [200, 200, 200, 200]
    assert seen["held"] == []


def test_the_check_sees_a_library_once_a_certificate_needs_it(make_app, content_dir, tmp_path):
    make_app(content_dir)
    database.close()
    before = "from kiosk.certificates import qr_svg\nqr_svg('RELAIS')\n"
    assert serve_a_lesson_in_a_fresh_kiosk(tmp_path / "data", content_dir, before)["held"] == ["segno"]
