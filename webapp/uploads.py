"""Uploads kept between the steps of an import (upload, map the columns, import).

A file is kept in the instance folder under a random token, with who uploaded it, for an hour
at most; it is deleted once imported. Only the person who uploaded it can read it back.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

__all__ = ["KeptUpload", "drop_upload", "keep_upload", "kept_upload"]

#: How long an upload waits for its mapping step, in seconds.
MAX_AGE = 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


@dataclass(frozen=True)
class KeptUpload:
    """An upload waiting for its mapping step: its bytes, name and sheet."""

    token: str
    data: bytes
    filename: str
    sheet: str | None


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def keep_upload(data: bytes, filename: str, sheet: str | None, owner: int) -> str:
    """Keep an upload for the mapping step; return its token. Older uploads are removed."""
    folder = _folder()
    now = time.time()
    for old in folder.glob("*.json"):  # forgotten imports: their files go after an hour
        if now - old.stat().st_mtime > MAX_AGE:
            old.unlink(missing_ok=True)
            old.with_suffix(".data").unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.data").write_bytes(data)
    (folder / f"{token}.json").write_text(json.dumps(
        {"filename": filename, "sheet": sheet, "owner": owner}), encoding="utf-8")
    return token


def kept_upload(token: str, owner: int) -> KeptUpload | None:
    """Return the upload kept under `token` for `owner`, or None (unknown, expired, another's)."""
    if not _TOKEN.match(token):
        return None
    folder = _folder()
    meta_path = folder / f"{token}.json"
    try:
        if time.time() - meta_path.stat().st_mtime > MAX_AGE:
            return None
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        data = (folder / f"{token}.data").read_bytes()
    except (OSError, ValueError):
        return None
    if meta.get("owner") != owner:
        return None
    return KeptUpload(token, data, str(meta.get("filename", "")), meta.get("sheet"))


def drop_upload(token: str) -> None:
    """Delete an upload once it has been imported."""
    if _TOKEN.match(token):
        folder = _folder()
        (folder / f"{token}.data").unlink(missing_ok=True)
        (folder / f"{token}.json").unlink(missing_ok=True)
