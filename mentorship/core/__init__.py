"""The floor of the domain: database engines and sessions, settings, errors, the audit trail,
permissions, paging and spreadsheet cells. It imports no feature package."""
