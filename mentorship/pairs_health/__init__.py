"""After the match: check-ins, end-of-programme feedback and the programme's health figures."""
