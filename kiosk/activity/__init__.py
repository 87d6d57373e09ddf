"""Relais's activity in the words French digital inclusion uses: the Coop's activity export, CRCN competences."""
