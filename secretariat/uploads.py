"""Uploaded documents: checked by content, stored under random names in instance/, never inline."""

import secrets
from pathlib import Path, PurePosixPath, PureWindowsPath

from flask import current_app, send_file
from flask_babel import lazy_gettext as _l

from secretariat.text import clean_line

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024  # SPEC §2.1: at most 10 MB
_CHUNK = 64 * 1024


class RefusedUpload(ValueError):
    """The file is not what the form accepts; the message says why, next to the field."""

    def __init__(self, message, too_large: bool = False):
        super().__init__(str(message))
        self.message = message
        self.too_large = too_large


def folder() -> Path:
    """Outside the web root: instance/uploads/ (shared storage when several instances serve)."""
    path = Path(
        current_app.config.get("UPLOAD_FOLDER") or Path(current_app.instance_path) / "uploads"
    )
    path.mkdir(parents=True, exist_ok=True)
    return path


def display_name(filename: str | None) -> str:
    """The name the person gave the file, without any folder part: only ever shown or offered."""
    name = PureWindowsPath(PurePosixPath(filename or "").name).name
    name = clean_line(name).lstrip(".")[:200]
    return name or "document.pdf"


def read_pdf(stream) -> bytes:
    """The file's bytes when it is a PDF of at most 10 MB; RefusedUpload otherwise.

    The content decides, not the name or the browser's type: a PDF starts with `%PDF-` and
    ends with an `%%EOF` marker near its end.
    """
    data = bytearray()
    while chunk := stream.read(_CHUNK):
        data += chunk
        if len(data) > MAX_DOCUMENT_BYTES:
            raise RefusedUpload(_l("The document is larger than 10 MB."), too_large=True)
    if not data:
        raise RefusedUpload(_l("The document is empty."))
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
        raise RefusedUpload(_l("The document must be a PDF file."))
    return bytes(data)


def store(data: bytes) -> str:
    """Write data under a new random name and return that name (never the uploader's)."""
    name = secrets.token_hex(16)
    (folder() / name).write_bytes(data)
    return name


def path_of(stored_name: str) -> Path:
    if not stored_name or not stored_name.isalnum():
        raise FileNotFoundError(stored_name)
    return folder() / stored_name


def discard(stored_name: str) -> None:
    """Remove a stored file whose transaction did not commit."""
    if stored_name:
        path_of(stored_name).unlink(missing_ok=True)


def send_document(stored_name: str, download_name: str):
    """The PDF as a download, never rendered inline by the browser (and sandboxed if it were)."""
    response = send_file(
        path_of(stored_name),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=download_name,
        max_age=0,
    )
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["Cache-Control"] = "private, no-store"
    return response
