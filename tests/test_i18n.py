"""Both languages: how the language is chosen, and that the Turkish catalogue is complete."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from secretariat.audit import AuditEntry
from secretariat.config import PROJECT_ROOT
from secretariat.extensions import db as _db
from secretariat.security import Role
from tests.conftest import sign_in

PO = PROJECT_ROOT / "translations" / "tr" / "LC_MESSAGES" / "messages.po"


def turkish(msgid: str) -> str:
    """The catalogue's Turkish for msgid (the tests do not restate translations)."""
    with PO.open("rb") as handle:
        return read_po(handle).get(msgid).string


def lang_of(response) -> str:
    html = response.get_data(as_text=True)
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_english_is_the_default(client):
    assert lang_of(client.get("/")) == "en"


def test_lang_parameter_switches_and_the_choice_sticks(client):
    response = client.get("/?lang=tr")
    assert lang_of(response) == "tr"
    assert turkish("How to join") in response.get_data(as_text=True)
    assert lang_of(client.get("/sign-in")) == "tr"
    assert lang_of(client.get("/sign-in?lang=en")) == "en"
    assert lang_of(client.get("/")) == "en"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("tr-TR,tr;q=0.9,en;q=0.8", "tr"),
        ("tr", "tr"),
        ("de-DE,de;q=0.9", "en"),
        ("en-GB", "en"),
        ("", "en"),
    ],
)
def test_first_visit_follows_accept_language(client, header, expected):
    assert lang_of(client.get("/", headers={"Accept-Language": header})) == expected


def test_an_unknown_lang_value_is_ignored(client):
    response = client.get("/?lang=xx%3Cscript%3E")
    assert response.status_code == 200
    assert lang_of(response) == "en"


def test_saved_preference_applies_after_sign_in(app, client, create_user):
    user = create_user(Role.DELEGATE, language="tr")
    sign_in(client, user.email)
    assert lang_of(client.get("/profile")) == "tr"


def test_the_switcher_keeps_the_page_and_its_query(client):
    html = client.get("/sign-in?next=/profile").get_data(as_text=True)
    assert 'href="/sign-in?next=%2Fprofile&amp;lang=tr"' in html
    assert 'hreflang="tr"' in html


def test_unknown_url_gives_the_turkish_404(client):
    response = client.get("/no-such-page", headers={"Accept-Language": "tr"})
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert lang_of(response) == "tr"
    assert turkish("Page not found") in html
    assert "Page not found" not in html


def test_times_are_shown_in_the_viewers_time_zone(app, client, sign_in_as):
    staff = sign_in_as(Role.SECRETARIAT)
    with app.app_context():
        _db.session.add(
            AuditEntry(
                at=datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
                actor_label="system",
                action="clock.test",
                target_type="users",
                target_id=str(staff.id),
                target_label="clock",
            )
        )
        _db.session.commit()
    assert "3:00" in client.get("/staff/audit?action=clock.test").get_data(
        as_text=True
    )  # Istanbul, UTC+3
    client.post_form("/profile", {"name": staff.name, "language": "en", "timezone": "UTC"})
    html = client.get("/staff/audit?action=clock.test").get_data(as_text=True)
    assert "12:00" in html
    assert "3:00 PM" not in html


def _extracted_msgids() -> set[str]:
    with (PROJECT_ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(PROJECT_ROOT),
        method_map,
        options_map,
        keywords={"_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)},
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_the_turkish_catalogue_is_complete():
    with PO.open("rb") as handle:
        catalogue = read_po(handle)
    missing = sorted(msgid for msgid in _extracted_msgids() if msgid not in catalogue)
    assert missing == [], "run `make translations` and translate these"
    untranslated = [
        m.id
        for m in catalogue
        if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert untranslated == []
    assert fuzzy == []


def test_compiled_catalogue_is_not_committed():
    ignored = (PROJECT_ROOT / ".gitignore").read_text()
    assert "*.mo" in ignored
    assert Path(PO).exists()
