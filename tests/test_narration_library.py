"""A kiosk installed without root speaks too: espeak-ng's library and voices from the `espeakng-loader` wheel."""
from __future__ import annotations

import os
import shutil

import pytest

from kiosk.narration import clips
from kiosk.narration.choice import engine_for, forget_engines
from kiosk.narration.espeak_library import EspeakLibraryEngine
from tests.test_narration import seconds_of

pytest.importorskip("espeakng_loader", reason="pip install espeakng-loader (in the test extra)")
needs_opus = pytest.mark.skipif(not (shutil.which("opusenc") and shutil.which("opusinfo")),
                                reason="opus-tools is not installed (apt-get install -y opus-tools)")


@needs_opus
def test_with_no_espeak_ng_command_the_wheels_library_speaks_each_kiosk_language(tmp_path, monkeypatch):
    tools = tmp_path / "bin"
    tools.mkdir()
    os.symlink(shutil.which("opusenc"), tools / "opusenc")       # the encoder, and no espeak-ng command
    monkeypatch.setenv("PATH", str(tools))
    forget_engines()
    made = []
    try:
        for lang, sentence in (("fr", "Cliquez une fois sur le bouton gauche."), ("en", "Click the left button."),
                               ("ar", "انقر على الزر الأيسر مرة واحدة.")):
            engine = engine_for(lang, None)
            assert isinstance(engine, EspeakLibraryEngine)
            made.append(clips.make_clip(sentence, lang, engine, tmp_path))
    finally:
        monkeypatch.undo()
        forget_engines()
    for clip in made:
        assert clip.synthesised and clip.seconds > 0.5
        assert seconds_of(clips.folder_of(tmp_path) / clip.name) > 0.5          # opusinfo is back on the PATH
