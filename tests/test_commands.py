"""The `relais` command, driven through click's CliRunner: a trainer checks a folder, a volunteer sets up
a kiosk, a hub administrator makes an enrolment code. (Subprocess tests stay where the process matters.)"""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from kiosk.cli import cli
from tests.conftest import DEMO_CONTENT, SMALL_COURSE, write_tree


@pytest.fixture
def run(monkeypatch, tmp_path):
    """Run `relais ARGS…` in-process with the kiosk's folders under tmp_path."""
    monkeypatch.setenv("RELAIS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RELAIS_CONTENT_DIR", str(tmp_path / "content"))

    def invoke(*args, input=None):
        return CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)
    return invoke


def test_a_trainer_checks_the_demo_courses_and_finds_no_error(run):
    result = run("check-content", DEMO_CONTENT)
    assert result.exit_code == 0, result.output
    assert "0 errors" in result.output


def test_a_trainer_is_told_where_a_broken_lesson_is_and_the_check_fails(run, tmp_path):
    folder = write_tree(tmp_path / "mine", dict(SMALL_COURSE, **{
        "01-basics/03-broken.md": "---\ntitle: [unclosed\n---\n# Broken\n"}))
    result = run("check-content", folder)
    assert result.exit_code == 1
    assert "03-broken.md:" in result.output and "error" in result.output


def test_a_volunteer_creates_the_database_and_sees_its_schema_version(run, tmp_path):
    result = run("init-db")
    assert result.exit_code == 0 and "schema version" in result.output
    assert (tmp_path / "data" / "relais.sqlite3").exists()


def test_a_kiosk_that_is_not_enrolled_says_how_to_enrol_when_asked_to_sync(run):
    result = CliRunner().invoke(cli, ["sync"])
    assert result.exit_code != 0 and "enroll HUB_URL CODE" in result.output


def test_a_publisher_makes_a_key_pair_and_a_kiosk_trusts_it(run, tmp_path):
    made = run("pack", "keygen", "--out", tmp_path / "keys")
    assert made.exit_code == 0, made.output
    public = next((tmp_path / "keys").glob("*.pub"))
    assert run("pack", "trust", public).exit_code == 0
    status = run("pack", "status")
    assert status.exit_code == 0 and "no pack imported yet" in status.output


def test_a_hub_administrator_makes_a_one_time_enrolment_code(run, tmp_path):
    result = run("hub", "--data", tmp_path / "hub", "enroll-code", "Centre social Lumière")
    assert result.exit_code == 0, result.output
    assert "Centre social Lumière" in result.output and (tmp_path / "hub" / "hub.sqlite3").exists()
