"""Hostile input on every route of the kiosk and the hub: a 4xx with a clear message, never a 5xx."""
