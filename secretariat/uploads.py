"""Uploaded documents: checked by content, stored under random names in instance/, never inline."""

import os
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath, PureWindowsPath

from flask import current_app, send_file
from flask_babel import lazy_gettext as _l

from secretariat.text import clean_line

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024  # SPEC §2.1: at most 10 MB
PENDING_FOR_SECONDS = 24 * 3600  # a form not sent again within a day has been given up
_CHUNK = 64 * 1024
NOT_KEPT = _l(
    "The document could not be kept with the form this time. Please attach it again when you "
    "send the form."
)


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


def pending_folder() -> Path:
    """Documents kept for a form not sent yet, apart from those of applications."""
    path = folder() / "pending"
    path.mkdir(exist_ok=True)
    return path


def _pending_files(remove_old: bool) -> tuple[int, int, int]:
    """The pending documents' count and bytes; with remove_old, those older than a day are
    removed first (and counted as the third figure)."""
    cutoff = time.time() - PENDING_FOR_SECONDS
    files = size = removed = 0
    with os.scandir(pending_folder()) as entries:
        for entry in entries:
            try:
                if not entry.is_file(follow_symlinks=False):
                    continue
                stat = entry.stat(follow_symlinks=False)
            except FileNotFoundError:  # taken meanwhile by its form, or by another sweep
                continue
            if remove_old and stat.st_mtime < cutoff:
                Path(entry.path).unlink(missing_ok=True)
                removed += 1
                continue
            files += 1
            size += stat.st_size
    return files, size, removed


def sweep_pending() -> int:
    """Remove the documents kept for forms nobody sent within a day; how many went."""
    return _pending_files(remove_old=True)[2]


def keep(data: bytes, admit: Callable[[], bool] = lambda: True) -> str:
    """Keep data for a form not sent yet, under a new random name (never the uploader's).

    Bounded before anything is written, or RefusedUpload(NOT_KEPT): every pending document
    together (PENDING_DOCUMENTS_MAX_FILES, PENDING_DOCUMENTS_MAX_BYTES), then admit(), the
    sender's own allowance. Each call first removes what waited more than a day, so no scheduler
    has to run for that, and the folder, bounded, is quick to go through. Requests racing at the
    bound each count the others' files once written, and whoever then finds the total over it
    takes its own back.
    """
    most_files = current_app.config["PENDING_DOCUMENTS_MAX_FILES"]
    most_bytes = current_app.config["PENDING_DOCUMENTS_MAX_BYTES"]
    files, size, _removed = _pending_files(remove_old=True)
    if files + 1 > most_files or size + len(data) > most_bytes or not admit():
        raise RefusedUpload(NOT_KEPT)
    name = secrets.token_hex(16)
    path = pending_folder() / name
    path.write_bytes(data)
    files, size, _removed = _pending_files(remove_old=False)
    if files > most_files or size > most_bytes:
        path.unlink(missing_ok=True)
        raise RefusedUpload(NOT_KEPT)
    return name


def _checked(stored_name: str) -> str:
    if not stored_name or not stored_name.isalnum():
        raise FileNotFoundError(stored_name)
    return stored_name


def path_of(stored_name: str) -> Path:
    """Where a document of an application is."""
    return folder() / _checked(stored_name)


def is_pending(stored_name: str) -> bool:
    try:
        return (pending_folder() / _checked(stored_name)).is_file()
    except FileNotFoundError:
        return False


@contextmanager
def adopted(stored_name: str) -> Iterator[None]:
    """The pending document moved among the applications' for the transaction inside, and back
    among the pending ones if it fails, so that the form can be sent again with it.

    A process killed between the move and the commit leaves a file no application names:
    applications.tasks.remove_orphan_documents takes it away.
    """
    if not stored_name:
        yield
        return
    pending, placed = pending_folder() / _checked(stored_name), path_of(stored_name)
    try:
        pending.replace(placed)
    except FileNotFoundError:  # sent by two forms at once, and the other one took it
        raise RefusedUpload(NOT_KEPT) from None
    os.utime(placed)  # the orphan job spares what is younger than a day
    try:
        yield
    except BaseException:
        placed.replace(pending)
        raise


def discard(stored_name: str) -> None:
    """Remove a document kept for a form that no application took."""
    if stored_name:
        (pending_folder() / _checked(stored_name)).unlink(missing_ok=True)


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
