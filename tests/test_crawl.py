"""Every page each role can reach, in both languages: no error, the right language, the headers."""

import pytest
from babel.messages.pofile import read_po
from flask import url_for
from flask_login import login_user

from secretariat import demo
from secretariat.accounts.models import User
from secretariat.extensions import db as _db
from secretariat.templating import navigation
from tests.conftest import ROLES, sign_in
from tests.crawl import crawl, english_on_page, interface_fragments, status_pages
from tests.test_i18n import PO

HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
)


def promised_pages(app, email: str | None) -> set[str]:
    """The addresses the role's navigation links to."""
    with app.test_request_context():
        if email:
            login_user(_db.session.scalar(_db.select(User).where(User.email == email)))
        return {url_for(endpoint) for endpoint, _label in navigation()}


@pytest.fixture(scope="module")
def fragments():
    with PO.open("rb") as handle:
        return interface_fragments(read_po(handle))


@pytest.mark.parametrize("language", ["en", "tr"])
@pytest.mark.parametrize("role", list(ROLES))
def test_crawl_every_page_of_a_role(app, client, demo_data, fragments, figure, role, language):
    email = ROLES[role]
    if email:
        assert sign_in(client, email, demo.DEMO_PASSWORD).status_code == 302
    promised = promised_pages(app, email)
    visits = crawl(client, ["/", *sorted(promised), *status_pages(app)], language)

    problems = []
    for visit in visits:
        if visit.status >= 400 or "Traceback" in visit.html:
            problems.append(f"{visit.url}: {visit.status}")
            continue
        if visit.status != 200 or "text/html" not in visit.headers.get("Content-Type", ""):
            continue  # a calendar feed has no language of its own to check
        if f'<html lang="{language}">' not in visit.html:
            problems.append(f"{visit.url}: not in {language}")
        problems += [f"{visit.url}: no {name}" for name in HEADERS if name not in visit.headers]
        if language == "tr":
            problems += [
                f"{visit.url}: English {text!r}" for text in english_on_page(visit.text, fragments)
            ]
    reached = {visit.url for visit in visits if visit.status == 200}
    figure(
        f"crawl {role}/{language}: {len(reached)} pages, {sum(len(v.forms) for v in visits)} forms"
    )
    assert problems == []
    assert promised <= reached, f"navigation promises {sorted(promised - reached)}"
    assert len(reached) >= len(promised)
