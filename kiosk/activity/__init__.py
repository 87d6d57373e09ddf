"""Relais's activity in the words French digital inclusion uses, as the kiosk knows it: learner-sessions for the
Coop's export (its vocabulary and row rules are shared with the hub, in sync/base/activity), CRCN competences,
a group's report for a funder."""
