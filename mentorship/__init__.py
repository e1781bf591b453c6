"""The mentorship domain: profiles, imports and the services the CLI and the web app call.

Never imports flask.
"""
