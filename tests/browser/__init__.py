"""Checks in a real Chromium against a real waitress server: accessibility, weight, journeys, idle logout."""
