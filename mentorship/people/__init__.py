"""People: who they are (Person), their accounts and invites, the directory, their personal data."""
