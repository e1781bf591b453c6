"""Profiles: skills with levels, learning wants and teaching offers; the one mapper between
stored rows, records, forms, CSV, the API and the engine; the profile CSV; training gaps."""
