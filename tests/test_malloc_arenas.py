"""The servers cap glibc's malloc arenas before their threads start, unless MALLOC_ARENA_MAX says otherwise."""
import os
import platform
import subprocess
import sys

import pytest

from tests.conftest import ROOT

ASK = "from sync.base import serving; print(serving.limit_malloc_arenas())"


def limited(env: dict) -> str:
    # A fresh interpreter: the cap is the whole process's, not this test worker's to change.
    return subprocess.run([sys.executable, "-c", ASK], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=True).stdout.strip()


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt's arena cap is glibc's")
def test_the_arena_cap_is_set_unless_the_environment_sets_one():
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    assert limited(env) == "True"
    assert limited({**env, "MALLOC_ARENA_MAX": "4"}) == "False"
