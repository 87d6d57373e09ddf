"""The content pack format, below the kiosk and the hub: manifest, signing, zip checks, build, errors,
and how installed packs are kept on disk (registry, atomic switch). Imports neither application."""
