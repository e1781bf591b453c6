"""Programmes: a cohort with its own participants, rounds, reports and exports."""
