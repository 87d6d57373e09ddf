"""Narration made on the kiosk itself: every lesson step and quiz question as a small audio clip.

engines.py says what an engine is and choice.py picks one for a language (piper.py when a centre
installed a voice, else espeak.py); encode.py turns its WAV into mono Opus; texts.py says what a learner
reads; clips.py names each clip by its content and keeps it in DATA_DIR/narration; plan.py tells a page
which recording or clip to offer; worker.py makes the missing clips in the background after indexing.
"""
