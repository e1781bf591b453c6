# An example of the instance settings file. Copy it to instance/config.py (or to config.py in
# the folder MENTORSHIP_INSTANCE_PATH names) and change what you need; MENTORSHIP_* environment
# variables override it. Every key, its default and its meaning: webapp/__init__.py.
# Secrets (SECRET_KEY, database passwords) belong in the environment, never in git.

DATABASE_URL = "postgresql://mentorship@127.0.0.1:5432/mentorship"
SESSION_COOKIE_SECURE = True    # served over HTTPS
PROXY_FIX_HOPS = 1              # one reverse proxy in front of the app
SMTP_HOST = "smtp.library.example.edu"   # without it, mail waits in the outbox page
SMTP_SECURITY = "starttls"      # none | starttls | tls; the port defaults to 25 | 587 | 465
SMTP_USER = "mentoring"         # its password: MENTORSHIP_SMTP_PASSWORD, in the environment
SMTP_SENDER = "mentoring@library.example.edu"
# Workers and commands read mail settings from MENTORSHIP_* variables only, not this file.
RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379/1"   # sign-in counts shared by every process
