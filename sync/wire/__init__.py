"""What travels between a kiosk and a hub, shared by both: the protocol, the hybrid logical clock and
the retry schedule. Imports neither application."""
