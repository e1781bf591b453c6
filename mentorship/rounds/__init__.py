"""Matching rounds: settings, the one engine call (run.py), editing and publishing, the life of
a pair, review queries, background jobs."""
