"""Relais: `python run.py` serves the kiosk; `python run.py --help` lists the other commands."""
from kiosk.cli import main

if __name__ == "__main__":
    main()
