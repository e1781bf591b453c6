"""Synthetic library staff and the demo: believable people, skills and goals to try the service on."""
