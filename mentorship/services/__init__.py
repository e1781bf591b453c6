"""Services: verb-named functions that take the session and the acting person and only flush.

The caller (CLI command, web request, job) owns the transaction: one commit, or a rollback on
any error.
"""
