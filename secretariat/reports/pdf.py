"""The report's PDF: HTML in, tagged PDF/UA bytes out, fetching only the portal's own static files."""

import functools
import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app, has_app_context

LOGGER = logging.getLogger(__name__)
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)  # a line per page otherwise
STATIC_FOLDER = Path(__file__).resolve().parent.parent / "static"  # Flask's default for the package
STATIC_URL_PATH = "/static"
MIME_TYPES = {
    ".css": "text/css",
    ".ttf": "font/ttf",
    ".woff2": "font/woff2",
    ".svg": "image/svg+xml",
}
DEFAULT_PORTS = {"http": 80, "https": 443}


class PdfUnavailable(RuntimeError):
    """WeasyPrint (or the Pango it needs) cannot be loaded here: the reason says why."""


class RefusedResource(ValueError):
    """A URL the PDF may not fetch: another host, another scheme, or a path outside the static files."""


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or DEFAULT_PORTS.get(scheme)


class StaticFiles:
    """Resolves a URL to a file of the portal's static folder, or refuses it.

    Only http(s) URLs on the portal's own origin (the base URL's scheme, host and port) whose path
    lies under the static URL path resolve; the path is percent-decoded, any `..`, `.`, empty,
    backslash or NUL segment is refused, and the file must resolve (symlinks followed) inside the
    static folder. Query and fragment are ignored. Nothing else (other hosts, file:, data:, ftp:)
    is ever opened."""

    def __init__(self, base_url: str, folder: Path | str, url_path: str = STATIC_URL_PATH):
        self.origin = _origin(base_url)
        if self.origin[0] not in DEFAULT_PORTS or not self.origin[1]:
            raise ValueError(f"the base URL must be the portal's http(s) origin: {base_url!r}")
        self.folder = Path(folder).resolve()
        self.prefix = "/" + url_path.strip("/") + "/"

    def path_of(self, url: str) -> Path:
        """The file on disk that url names, or RefusedResource."""
        try:
            origin, path = _origin(url), urlsplit(url).path
        except ValueError as error:  # a malformed port or netloc
            raise RefusedResource(f"malformed URL: {url!r}") from error
        if origin != self.origin:
            raise RefusedResource(f"not the portal's origin: {url!r}")
        if not path.startswith(self.prefix):
            raise RefusedResource(f"not under {self.prefix}: {url!r}")
        segments = unquote(path[len(self.prefix) :]).split("/")
        if any(s in ("", ".", "..") or "\\" in s or "\0" in s for s in segments):
            raise RefusedResource(f"not a plain static path: {url!r}")
        file = self.folder.joinpath(*segments).resolve()
        if not file.is_relative_to(self.folder) or not file.is_file():
            raise RefusedResource(f"no such static file: {url!r}")
        return file

    def read(self, url: str) -> tuple[bytes, str]:
        """(the file's bytes, its MIME type) for url, or RefusedResource."""
        file = self.path_of(url)
        mime = MIME_TYPES.get(file.suffix.lower()) or mimetypes.guess_type(file.name)[0]
        LOGGER.debug("PDF fetched %s", url)
        return file.read_bytes(), mime or "application/octet-stream"


def static_files(base_url: str) -> StaticFiles:
    """The app's static folder and URL path when an app context exists, else the package's."""
    if has_app_context() and current_app.static_folder and current_app.static_url_path:
        return StaticFiles(base_url, current_app.static_folder, current_app.static_url_path)
    return StaticFiles(base_url, STATIC_FOLDER)


@functools.cache
def _fetcher_class():
    """WeasyPrint ≥ 68 takes a URLFetcher subclass; built on first use, so importing this module
    never loads WeasyPrint (nor Pango)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: PLC0415

    class StaticFetcher(URLFetcher):
        def __init__(self, files: StaticFiles):
            super().__init__(allowed_protocols=("http", "https"), allow_redirects=False)
            self.files = files

        def fetch(self, url, headers=None):
            try:
                body, mime = self.files.read(url)
            except RefusedResource:
                LOGGER.warning("PDF refused %s", url)
                raise
            return URLFetcherResponse(url, body, {"Content-Type": mime})

    return StaticFetcher


def render_pdf(html: str, *, base_url: str) -> bytes:
    """The PDF/UA-1 of html (title from its <title>, language from <html lang>), resolving relative
    links against base_url (the portal's public origin) and fetching only its static files."""
    try:
        from weasyprint import HTML  # noqa: PLC0415

        fetcher = _fetcher_class()(static_files(base_url))
    except (ImportError, OSError) as error:  # no weasyprint, or no Pango/HarfBuzz to load
        raise PdfUnavailable(f"WeasyPrint cannot be loaded: {error}") from error
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    return document.write_pdf(pdf_variant="pdf/ua-1")
