"""Applications: the public form, the status page, the secretariat's review, and approval."""

import io
import os
import re
import threading
from datetime import date
from html import unescape
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from secretariat import demo, uploads
from secretariat.accounts.models import User
from secretariat.applications import operations
from secretariat.applications.models import Application, ApplicationNameClaim
from secretariat.applications.rules import (
    APPLICANT_ACTIONS,
    OPEN_STATES,
    STAFF_ACTIONS,
    Action,
    ApplicationState,
    next_state,
)
from secretariat.applications.tasks import remove_orphan_documents
from secretariat.audit import AuditEntry
from secretariat.extensions import db as _db
from secretariat.mail import OutboxMessage
from secretariat.members import operations as members
from secretariat.members.models import City, CityStatus, Contact, JoinRoute
from secretariat.members.rules import name_cores
from secretariat.security import Role
from secretariat.working_groups.models import GroupMembership
from secretariat.working_groups.operations import ensure_permanent_groups
from tests.conftest import load_once

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
SUBMISSION_TOKEN = re.compile(r'name="submission_token" type="hidden" value="([^"]+)"')
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
S = ApplicationState


@pytest.fixture
def network(app, db):
    """The countries and the four working groups; no member city yet."""
    with app.app_context():
        demo.ensure_countries()
        ensure_permanent_groups()
        _db.session.commit()


@pytest.fixture
def cities(app, db):
    load_once(app, "cities", demo.load_cities)


def fields(**overrides) -> dict:
    values = {
        "city_name": "Ниш",
        "city_name_en": "Niš",
        "country": "RS",
        "population": "250000",
        "website": "https://www.ni.rs",
        "mayor_name": "Dragana Sotirovski",
        "mayor_email": "mayor@nis.example",
        "contact_name": "Ana Ilić",
        "contact_position": "International relations",
        "contact_email": "ana@nis.example",
        "contact_phone": "+381 18 000 000",
        "language": "tr",
        "groups": ["local-climate-action"],
        "motivation": "Niš would like to work with other Balkan cities on climate action.",
        "deciding_body": "City Assembly",
        "decision_number": "06-123/2026",
        "decision_on": "2026-03-12",
        "consent": "y",
    }
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not None}


def form_page(client, url="/apply") -> tuple[str, str]:
    html = client.get(url).get_data(as_text=True)
    return CSRF.search(html).group(1), SUBMISSION_TOKEN.search(html).group(1)


def apply(client, document=None, token=None, url="/apply", **overrides):
    csrf, fresh = form_page(client, url)
    data = {"csrf_token": csrf, "submission_token": token or fresh, **fields(**overrides)}
    if document is not None:
        data["document"] = (io.BytesIO(document[1]), document[0])
    return client.post(url, data=data, content_type="multipart/form-data")


def submitted(client, **overrides) -> str:
    """Apply through the form and return the status page's address."""
    response = apply(client, **overrides)
    assert response.status_code == 302, errors(response)
    return response.headers["Location"]


def errors(response) -> list[str]:
    return re.findall(r'<p class="error" id="[^"]+">([^<]+)</p>', response.get_data(as_text=True))


def only_application(app) -> Application:
    with app.app_context():
        found = _db.session.scalars(select(Application)).all()
        assert len(found) == 1
        _db.session.expunge_all()
        return found[0]


def count(app, model, *where) -> int:
    with app.app_context():
        return _db.session.scalar(select(func.count()).select_from(model).where(*where))


def outbox(app) -> list[OutboxMessage]:
    with app.app_context():
        messages = _db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        _db.session.expunge_all()
        return messages


def stored_files(app) -> list[str]:
    """The documents in place: the upload folder's own files, not those kept for a form."""
    with app.app_context():
        return sorted(path.name for path in uploads.folder().iterdir() if path.is_file())


def files_on_disk(app) -> list[Path]:
    """Every file under the upload folder, wherever it waits: what fills the disk."""
    with app.app_context():
        return sorted(path for path in uploads.folder().rglob("*") if path.is_file())


def age(paths, days: float = 2) -> None:
    for path in paths:
        then = path.stat().st_mtime - days * 86400
        os.utime(path, (then, then))


@pytest.fixture(autouse=True)
def empty_uploads(app):
    yield
    with app.app_context():
        for path in files_on_disk(app):
            path.unlink()


# --- the form -------------------------------------------------------------------------------


def test_a_city_applies_and_gets_its_reference_and_private_status_link(app, client, network):
    location = submitted(client)
    application = only_application(app)
    assert re.fullmatch(r"B40-\d{4}-0001", application.reference)
    assert location == f"/apply/status/{application.status_token}"
    assert len(application.status_token) >= 40
    page = client.get(location + "?lang=en")
    html = page.get_data(as_text=True)
    assert application.reference in html and "Submitted" in html
    assert f"/apply/status/{application.status_token}" in html
    assert page.headers["Cache-Control"] == "private, no-store"
    assert application.state == S.SUBMITTED
    assert application.search_key  # folded names kept for duplicate checks and the queue


def test_the_acknowledgement_goes_to_the_contact_in_the_chosen_language(app, client, network):
    submitted(client, language="tr")
    submitted(client, city_name="Kragujevac", city_name_en="Kragujevac", language="en")
    turkish, english = outbox(app)
    assert (turkish.recipient, turkish.language) == ("ana@nis.example", "tr")
    assert "ücret" in turkish.body  # "free of charge", in Turkish
    assert "/apply/status/" in turkish.body
    assert english.language == "en" and "free of charge" in english.body


def test_the_form_says_membership_is_free(client, network):
    assert "free of charge" in client.get("/apply?lang=en").get_data(as_text=True)


def test_the_form_has_the_labels_of_the_charter(client, network):
    html = client.get("/apply?lang=en").get_data(as_text=True)
    labels = {unescape(text) for text in re.findall(r"<(?:label|legend)[^>]*>([^<]+)</", html)}
    for label in [
        "City name",
        "City name in English",
        "Country",
        "Population",
        "Official website",
        "Mayor's full name",
        "Mayor's email",
        "Contact person",
        "Position",
        "Contact email",
        "Contact phone",
        "Preferred language",
        "Working groups of interest",
        "Motivation",
        "Deciding body",
        "Decision number",
        "Decision date",
        "National approval authority",
        "Approval reference",
        "Approval date",
        "Supporting document",
        "I consent to the processing of these data",
    ]:
        assert label in labels, label
    assert "Law No. 5393" in html


def test_missing_fields_are_named_next_to_them_and_nothing_typed_is_lost(app, client, network):
    response = apply(client, mayor_email="not-an-address", consent=None, contact_name="")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="mayor_email-error"' in html and 'id="consent-error"' in html
    assert 'id="contact_name-error"' in html
    assert 'value="Ниш"' in html and 'value="not-an-address"' in html
    assert "Niš would like to work with other Balkan cities" in html
    assert re.search(r'<input checked [^>]*value="local-climate-action"', html)
    assert count(app, Application) == 0


def test_errors_speak_the_applicants_language(client, network):
    response = apply(client, url="/apply?lang=tr", contact_email="")
    html = response.get_data(as_text=True)
    assert '<html lang="tr">' in html
    assert "This field is required." not in html
    assert errors(response)


def test_a_script_address_is_not_a_website(client, network):
    response = apply(client, website="javascript:alert(1)")
    assert response.status_code == 200
    assert 'id="website-error"' in response.get_data(as_text=True)


def test_the_motivation_is_at_most_five_thousand_characters(app, client, network):
    response = apply(client, motivation="x" * 5001)
    assert 'id="motivation-error"' in response.get_data(as_text=True)
    assert submitted(client, motivation="x" * 5000)


def test_an_unknown_country_or_group_is_refused(app, client, network):
    assert 'id="country-error"' in apply(client, country="FR").get_data(as_text=True)
    assert "not a valid choice" in apply(client, groups=["no-such-group"]).get_data(as_text=True)
    assert count(app, Application) == 0


# --- one application per form ----------------------------------------------------------------


def test_a_double_click_makes_one_application(app, client, network):
    csrf, token = form_page(client)
    data = {"csrf_token": csrf, "submission_token": token, **fields()}
    first = client.post("/apply", data=dict(data), content_type="multipart/form-data")
    second = client.post("/apply", data=dict(data), content_type="multipart/form-data")
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert count(app, Application) == 1
    assert len(outbox(app)) == 1


def test_a_document_sent_twice_is_stored_once(app, client, network):
    csrf, token = form_page(client)
    for _ in range(2):
        data = {"csrf_token": csrf, "submission_token": token, **fields()}
        data["document"] = (io.BytesIO(PDF), "karar.pdf")
        assert (
            client.post("/apply", data=data, content_type="multipart/form-data").status_code == 302
        )
    assert stored_files(app) == [only_application(app).document_file]


def test_four_concurrent_submissions_of_one_form_make_one_application(app, db, network):
    browser = app.test_client()
    csrf, token = form_page(browser)
    cookie = browser.get_cookie("b40_session").value
    answers, barrier = [], threading.Barrier(4)

    def send():
        client = app.test_client()
        client.set_cookie("b40_session", cookie)
        data = {"csrf_token": csrf, "submission_token": token, **fields()}
        barrier.wait()
        answers.append(client.post("/apply", data=data, content_type="multipart/form-data"))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [a.status_code for a in answers] == [302] * 4
    assert len({a.headers["Location"] for a in answers}) == 1
    assert count(app, Application) == 1
    assert len(outbox(app)) == 1


def test_a_forged_form_token_is_refused(app, client, network):
    response = apply(client, token="short")
    assert response.status_code == 200
    assert count(app, Application) == 0


def test_applications_are_throttled_per_address(app, client, network):
    for number in range(10):
        submitted(client, city_name=f"Town {number}", city_name_en=f"Town {number}")
    assert apply(client, city_name="Town X", city_name_en="Town X").status_code == 429
    assert count(app, Application) == 10


def test_a_form_answered_with_an_error_uses_none_of_the_allowance(app, client, network):
    for number in range(12):
        response = apply(
            client, city_name=f"Town {number}", city_name_en=f"Town {number}", consent=None
        )
        assert response.status_code == 200
    for number in range(10):
        submitted(client, city_name=f"Town {number}", city_name_en=f"Town {number}")
    assert count(app, Application) == 10


# --- duplicates -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("official", "english", "country"),
    [
        ("İSTANBUL", "Istanbul", "TR"),
        ("istanbul", "istanbul", "TR"),
        ("ıstanbul", "ISTANBUL", "TR"),
        ("Београд", "Belgrade", "RS"),
        ("Beograd", "Beograd", "RS"),  # an alias of Belgrade
        ("Grad Beograd", "City of Belgrade", "RS"),
        ("Αθήνα", "Athina", "GR"),
        ("Tirana", "Tirana", "AL"),  # Tiranë without its diacritic
        ("Кърджали", "Kardžali", "BG"),
        ("Edirne Belediyesi", "Edirne Municipality", "TR"),
    ],
)
def test_a_member_city_cannot_apply_again(app, client, cities, official, english, country):
    response = apply(client, city_name=official, city_name_en=english, country=country)
    assert response.status_code == 200
    assert any("already a member" in error for error in errors(response))
    assert count(app, Application) == 0


@pytest.mark.parametrize(
    ("official", "english"), [("Niš", "Nis"), ("NIŠ", "NIS"), ("Nis", "Niš"), ("ниш", "nish")]
)
def test_an_open_application_is_not_made_twice(app, client, network, official, english):
    submitted(client)
    reference = only_application(app).reference
    response = apply(app.test_client(), city_name=official, city_name_en=english)
    assert any(reference in error for error in errors(response))
    assert count(app, Application) == 1


@pytest.mark.parametrize(
    ("first", "then"),
    [
        (("Niš", "Nis"), ("Ниш", "Nish")),
        (("Ниш", "Niš"), ("NIS", "nis")),
        (("Grad Niš", "City of Niš"), ("Niš", "Nis")),
        (("Niš", "Nis"), ("Grad Niš", "City of Nis")),
    ],
)
def test_every_spelling_of_a_city_with_an_open_application_is_refused(
    app, client, network, first, then
):
    submitted(client, city_name=first[0], city_name_en=first[1])
    reference = only_application(app).reference
    response = apply(app.test_client(), city_name=then[0], city_name_en=then[1])
    assert response.status_code == 200
    assert 'id="city_name-error"' in response.get_data(as_text=True)
    assert any(reference in error for error in errors(response))
    assert count(app, Application) == 1


@pytest.mark.parametrize("state", [S.WITHDRAWN, S.REJECTED])
def test_a_closed_application_frees_the_name(app, client, network, create_user, state):
    staff = create_user(Role.SECRETARIAT)
    bring_to(app, state, staff.id)
    assert submitted(client, city_name="Ниш", city_name_en="Niš")
    assert count(app, Application, Application.state == S.SUBMITTED) == 1
    response = apply(app.test_client(), city_name="Nis", city_name_en="Nis")
    assert any("already has an open application" in error for error in errors(response))


@pytest.mark.parametrize("state", list(S))
def test_an_application_claims_its_names_while_it_is_open(app, network, create_user, state):
    staff = create_user(Role.SECRETARIAT)
    application = bring_to(app, state, staff.id)
    with app.app_context():
        claims = set(
            _db.session.scalars(
                select(ApplicationNameClaim.name_key).where(
                    ApplicationNameClaim.application_id == application.id
                )
            )
        )
        keys = _db.session.get(Application, application.id).search_key
    assert claims == (name_cores(keys) if state in OPEN_STATES else set())
    assert {"nis", "nish"} <= name_cores(keys)


def test_the_database_refuses_a_second_claim_on_a_spelling(app, client, network):
    submitted(client)
    application = only_application(app)
    with app.app_context():
        _db.session.add(
            ApplicationNameClaim(
                country_id=application.country_id, name_key="nis", application_id=application.id
            )
        )
        with pytest.raises(IntegrityError):
            _db.session.flush()
        _db.session.rollback()


def test_the_migration_claims_the_names_of_the_open_applications(app, client, network):
    submitted(client)
    bor = submitted(app.test_client(), city_name="Bor", city_name_en="Bor")
    client.post_form(f"{bor}/withdraw", {"confirm": "y"}, page=bor)
    claim = (
        ApplicationNameClaim.country_id,
        ApplicationNameClaim.name_key,
        ApplicationNameClaim.application_id,
    )
    with app.app_context():
        before = {tuple(row) for row in _db.session.execute(select(*claim))}
        open_id = _db.session.scalar(select(Application.id).where(Application.state == S.SUBMITTED))
        _db.session.remove()
        downgrade(revision="9c93697fca1b")
        upgrade()
        after = {tuple(row) for row in _db.session.execute(select(*claim))}
    assert after == before
    assert before and {application_id for _c, _k, application_id in before} == {open_id}


def test_withdrawing_on_the_status_page_frees_the_name(app, client, network):
    location = submitted(client)
    client.post_form(f"{location}/withdraw", {"confirm": "y", "note": ""}, page=location)
    assert only_application(app).state == S.WITHDRAWN
    assert submitted(app.test_client(), city_name="Niš", city_name_en="Nis")


def test_a_city_of_the_same_name_in_another_country_may_apply(app, client, cities):
    assert submitted(client, city_name="Split", city_name_en="Split", country="RO")


def test_a_closed_application_or_a_withdrawn_member_is_no_duplicate(app, client, cities):
    with app.app_context():
        kotor = _db.session.scalar(select(City).where(City.slug == "kotor"))
        members.withdraw_city(None, kotor, date(2026, 1, 1))
        _db.session.commit()
    assert submitted(client, city_name="Kotor", city_name_en="Kotor", country="ME")
    with app.test_request_context():
        application = _db.session.scalars(select(Application)).one()
        operations.withdraw_application(application)
        _db.session.commit()
    assert submitted(app.test_client(), city_name="Котор", city_name_en="Kotor", country="ME")


# --- the supporting document ------------------------------------------------------------------


def test_a_pdf_is_stored_under_a_random_name_and_served_to_staff_as_a_download(
    app, client, network, sign_in_as
):
    submitted(client, document=("../../Karar 12.pdf", PDF))
    application = only_application(app)
    assert application.document_name == "Karar 12.pdf"
    assert application.document_size == len(PDF)
    assert stored_files(app) == [application.document_file]
    assert re.fullmatch(r"[0-9a-f]{32}", application.document_file)
    url = f"/staff/applications/{application.reference}/document"
    assert client.get(url).status_code == 302  # the public: to the sign-in page
    sign_in_as(Role.DELEGATE)
    assert client.get(url).status_code == 403
    client.post_form("/sign-out", page="/")
    sign_in_as(Role.SECRETARIAT)
    response = client.get(url)
    assert response.status_code == 200
    assert response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "Karar%2012.pdf" in response.headers["Content-Disposition"] or (
        "Karar 12.pdf" in response.headers["Content-Disposition"]
    )
    assert "sandbox" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("decision.pdf", b"<html><script>alert(1)</script></html>", "must be a PDF"),
        ("decision.pdf", b"", "is empty"),
        ("decision.pdf", b"%PDF-1.4 but cut short", "must be a PDF"),
        ("decision.exe", b"MZ\x90\x00", "must be a PDF"),
    ],
)
def test_a_file_that_is_not_a_pdf_is_refused_and_not_kept(
    app, client, network, name, content, message
):
    response = apply(client, document=(name, content))
    assert response.status_code == 200
    assert any(message in error for error in errors(response))
    assert count(app, Application) == 0
    assert stored_files(app) == []


def test_a_document_over_ten_megabytes_gets_a_friendly_413(app, client, network):
    eleven = b"%PDF-1.4\n" + b"0" * (11 * 1024 * 1024) + b"\n%%EOF\n"
    response = apply(client, document=("big.pdf", eleven), url="/apply?lang=en")
    assert response.status_code == 413
    assert any("larger than 10 MB" in error for error in errors(response))
    assert 'value="Ниш"' in response.get_data(as_text=True)  # the rest of the form is kept
    assert stored_files(app) == []


def test_a_request_over_the_portals_limit_gets_the_413_page(app, client, network):
    huge = b"%PDF-1.4\n" + b"0" * (13 * 1024 * 1024)
    response = apply(client, document=("huge.pdf", huge), url="/apply?lang=tr")
    assert response.status_code == 413
    assert '<html lang="tr">' in response.get_data(as_text=True)
    assert count(app, Application) == 0


def test_a_valid_pdf_is_kept_when_another_field_fails(app, client, network):
    first = apply(client, document=("karar.pdf", PDF), consent=None)
    html = first.get_data(as_text=True)
    kept = re.search(r'name="kept_document" value="([^"]+)"', html).group(1)
    assert "karar.pdf" in html
    csrf, _token = form_page(client)
    token = re.search(r'name="submission_token" type="hidden" value="([^"]+)"', html).group(1)
    again = client.post(
        "/apply",
        data={"csrf_token": csrf, "submission_token": token, "kept_document": kept, **fields()},
        content_type="multipart/form-data",
    )
    assert again.status_code == 302
    application = only_application(app)
    assert application.document_name == "karar.pdf"
    assert stored_files(app) == [application.document_file]
    assert [path.name for path in files_on_disk(app)] == [application.document_file]


def test_failed_posts_from_one_address_stop_keeping_documents_at_the_bound(app, client, network):
    kept_pages = []
    for _ in range(8):
        response = apply(client, document=("karar.pdf", PDF), consent=None, url="/apply?lang=en")
        assert response.status_code == 200
        kept_pages.append('name="kept_document"' in response.get_data(as_text=True))
    assert kept_pages == [True] * 5 + [False] * 3
    assert len(files_on_disk(app)) == 5
    html = response.get_data(as_text=True)
    assert 'id="consent-error"' in html and 'value="Ниш"' in html  # nothing typed is lost
    message = re.search(r'<p class="error" id="document-error">([^<]+)</p>', html).group(1)
    assert "attach it again" in unescape(message)


@pytest.mark.parametrize(
    "bound", [("PENDING_DOCUMENTS_MAX_FILES", 3, 3), ("PENDING_DOCUMENTS_MAX_BYTES", 200, 2)]
)
def test_documents_kept_for_unsent_forms_stay_within_a_total_bound(
    app, network, monkeypatch, bound
):
    setting, value, most = bound
    assert len(PDF) * 3 > 200 > len(PDF) * 2
    monkeypatch.setitem(app.config, setting, value)
    for number in range(6):
        browser = app.test_client()
        browser.environ_base["REMOTE_ADDR"] = f"192.0.2.{number + 1}"
        response = apply(browser, document=("karar.pdf", PDF), consent=None, url="/apply?lang=en")
        assert response.status_code == 200
    assert len(files_on_disk(app)) == most
    assert "attach it again" in unescape(response.get_data(as_text=True))


def test_an_old_orphan_goes_with_the_next_upload_without_any_job(app, client, network):
    apply(client, document=("first.pdf", PDF), consent=None)  # the applicant gave up
    old = files_on_disk(app)
    assert len(old) == 1
    age(old, days=2)
    later = app.test_client()
    later.environ_base["REMOTE_ADDR"] = "192.0.2.9"
    apply(later, document=("second.pdf", PDF), consent=None)
    now = files_on_disk(app)
    assert len(now) == 1 and now != old


def test_a_kept_document_survives_a_duplicate_and_ends_attached(app, client, network):
    location = submitted(client)
    browser = app.test_client()
    first = apply(browser, city_name="Niš", city_name_en="Nis", document=("k.pdf", PDF))
    html = first.get_data(as_text=True)
    assert any("already has an open application" in error for error in errors(first))
    kept = re.search(r'name="kept_document" value="([^"]+)"', html).group(1)
    token = SUBMISSION_TOKEN.search(html).group(1)
    assert len(files_on_disk(app)) == 1
    client.post_form(f"{location}/withdraw", {"confirm": "y"}, page=location)
    csrf, _token = form_page(browser)
    again = browser.post(
        "/apply",
        data={
            "csrf_token": csrf,
            "submission_token": token,
            "kept_document": kept,
            **fields(city_name="Niš", city_name_en="Nis"),
        },
        content_type="multipart/form-data",
    )
    assert again.status_code == 302, errors(again)
    with app.app_context():
        attached = _db.session.scalar(
            select(Application.document_file).where(Application.state == S.SUBMITTED)
        )
    assert attached and [path.name for path in files_on_disk(app)] == [attached]


@pytest.mark.parametrize("name", ["decision_on", "approval_on"])
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_an_implausible_date_is_named_next_to_its_field(app, client, network, name, day):
    response = apply(client, **{name: day})
    assert response.status_code == 200
    assert f'id="{name}-error"' in response.get_data(as_text=True)
    assert count(app, Application) == 0


def test_a_forged_kept_document_is_ignored(app, client, network):
    csrf, token = form_page(client)
    client.post(
        "/apply",
        data={"csrf_token": csrf, "submission_token": token, "kept_document": "x.y", **fields()},
        content_type="multipart/form-data",
    )
    assert only_application(app).document_file == ""


def test_documents_no_application_kept_are_removed_after_a_day(app, client, network):
    apply(client, document=("karar.pdf", PDF), consent=None)  # the applicant gave up
    submitted(app.test_client(), city_name="Bor", city_name_en="Bor", document=("b.pdf", PDF))
    with app.app_context():
        orphan = uploads.folder() / "0123456789abcdef0123456789abcdef"
        orphan.write_bytes(PDF)  # left by a crash between the file's move and the commit
    age(files_on_disk(app))
    with app.app_context():
        assert remove_orphan_documents() == 2
    assert [path.name for path in files_on_disk(app)] == [only_application(app).document_file]


# --- the review ----------------------------------------------------------------------------------

STEPS_TO = {
    S.SUBMITTED: [],
    S.UNDER_REVIEW: [Action.START_REVIEW],
    S.INFO_REQUESTED: [Action.START_REVIEW, Action.REQUEST_INFO],
    S.APPROVED: [Action.START_REVIEW, Action.APPROVE],
    S.REJECTED: [Action.START_REVIEW, Action.REJECT],
    S.WITHDRAWN: [Action.WITHDRAW],
}


def bring_to(app, state, staff_id) -> SimpleNamespace:
    """An application of Niš in state, moved there by the operations the pages call."""
    with app.test_request_context():
        staff = _db.session.get(User, staff_id)
        application = operations.submit_application(
            operations.Submission(
                city_name="Niš",
                city_name_en="Nis",
                country_code="RS",
                mayor_name="Dragana Sotirovski",
                mayor_email="mayor@nis.example",
                contact_name="Ana Ilić",
                contact_email="ana@nis.example",
                language="tr",
                group_slugs=["local-climate-action"],
            ),
            "a-token-of-twenty-characters",
        )
        for action in STEPS_TO[state]:
            if action == Action.APPROVE:
                operations.approve_application(staff, application)
            elif action == Action.WITHDRAW:
                operations.withdraw_application(application)
            else:
                operations.review(staff, application, action, "A note for the applicant.")
        _db.session.commit()
        return SimpleNamespace(
            id=application.id,
            reference=application.reference,
            status_token=application.status_token,
        )


def current_state(app, application_id) -> str:
    with app.app_context():
        return _db.session.get(Application, application_id).state


STAFF_FORM = {
    Action.START_REVIEW: "start_review",
    Action.REQUEST_INFO: "request_info",
    Action.RESUME_REVIEW: "resume_review",
    Action.REJECT: "reject",
}


def staff_step(client, application, action, note="Please send the council's decision.", **kw):
    url = f"/staff/applications/{application.reference}"
    if action == Action.APPROVE:
        data = {"note": note, "invite_mayor": "y", "invite_contact": "y"}
        return client.post_form(f"{url}/approve", data, page=url, **kw)
    return client.post_form(f"{url}/{action}", {f"{action}-note": note}, page=url, **kw)


def applicant_step(client, application, action, **kw):
    url = f"/apply/status/{application.status_token}"
    if action == Action.ANSWER:
        return client.post_form(f"{url}/answer", {"answer": "Sent by post."}, page=url, **kw)
    return client.post_form(f"{url}/withdraw", {"confirm": "y", "note": ""}, page=url, **kw)


@pytest.mark.parametrize("state", list(S))
@pytest.mark.parametrize("action", [*STAFF_ACTIONS, *APPLICANT_ACTIONS])
def test_every_transition_of_the_charter_and_no_other(
    app, client, network, sign_in_as, state, action
):
    staff = sign_in_as(Role.SECRETARIAT)
    client.get("/?lang=en")
    application = bring_to(app, state, staff.id)
    mails_before = len(outbox(app))
    if action in STAFF_ACTIONS:
        response = staff_step(client, application, action, follow_redirects=True)
    else:
        response = applicant_step(client, application, action, follow_redirects=True)
    expected = next_state(state, action)
    if expected is None:
        assert current_state(app, application.id) == state
        assert "cannot take this step" in response.get_data(as_text=True)
        assert len(outbox(app)) == mails_before
    else:
        assert current_state(app, application.id) == expected
        mail = outbox(app)[mails_before]
        assert (mail.recipient, mail.language, mail.template) == (
            "ana@nis.example",
            "tr",
            "application_update",
        )


def test_each_step_records_who_when_and_the_note_and_is_audited(app, client, network, sign_in_as):
    staff = sign_in_as(Role.SECRETARIAT)
    application = bring_to(app, S.SUBMITTED, staff.id)
    staff_step(client, application, Action.START_REVIEW, "Looks complete.")
    staff_step(client, application, Action.REQUEST_INFO, "Which council decision?")
    page = client.get(f"/staff/applications/{application.reference}?lang=en").get_data(as_text=True)
    assert "Which council decision?" in page and staff.name in page
    with app.app_context():
        actions = _db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.target_type == "applications")
            .order_by(AuditEntry.id)
        ).all()
        actors = _db.session.scalars(
            select(AuditEntry.actor_label)
            .where(AuditEntry.target_type == "applications")
            .order_by(AuditEntry.id)
        ).all()
    assert actions == [
        "application.submit",
        "application.start_review",
        "application.request_info",
    ]
    assert actors == ["applicant ana@nis.example", staff.email, staff.email]


def test_a_question_needs_its_text_and_a_rejection_its_reason(app, client, network, sign_in_as):
    staff = sign_in_as(Role.SECRETARIAT)
    application = bring_to(app, S.UNDER_REVIEW, staff.id)
    for action in (Action.REQUEST_INFO, Action.REJECT):
        response = staff_step(client, application, action, note="")
        assert f'id="{action}-note-error"' in response.get_data(as_text=True)
        assert current_state(app, application.id) == S.UNDER_REVIEW


def test_the_applicant_answers_the_question_on_the_status_page(app, client, network, create_user):
    staff = create_user(Role.SECRETARIAT)
    application = bring_to(app, S.INFO_REQUESTED, staff.id)
    url = f"/apply/status/{application.status_token}"
    page = client.get(url + "?lang=en").get_data(as_text=True)
    assert "A note for the applicant." in page and 'id="answer"' in page
    empty = client.post_form(f"{url}/answer", {"answer": "  "}, page=url)
    assert 'id="answer-error"' in empty.get_data(as_text=True)
    assert current_state(app, application.id) == S.INFO_REQUESTED
    assert applicant_step(client, application, Action.ANSWER).status_code == 302
    assert current_state(app, application.id) == S.UNDER_REVIEW
    assert "Sent by post." in client.get(url).get_data(as_text=True)


def test_withdrawing_needs_a_confirmation(app, client, network, create_user):
    staff = create_user(Role.SECRETARIAT)
    application = bring_to(app, S.SUBMITTED, staff.id)
    url = f"/apply/status/{application.status_token}"
    response = client.post_form(f"{url}/withdraw", {"note": "Later."}, page=url)
    assert 'id="confirm-error"' in response.get_data(as_text=True)
    assert current_state(app, application.id) == S.SUBMITTED


def test_an_unknown_status_token_is_404(client, network):
    assert client.get("/apply/status/not-a-real-token-at-all-0000").status_code == 404
    assert client.post_form("/apply/status/nope/withdraw", page="/apply").status_code == 404


def test_approval_makes_the_city_a_member_with_its_contacts_groups_and_invitations(
    app, client, network, sign_in_as
):
    staff = sign_in_as(Role.SECRETARIAT)
    application = bring_to(app, S.UNDER_REVIEW, staff.id)
    response = staff_step(client, application, Action.APPROVE, "Welcome!")
    assert response.status_code == 302
    with app.app_context():
        city = _db.session.scalar(select(City).where(City.english_name == "Nis"))
        assert city.status == CityStatus.ACTIVE and city.join_route == JoinRoute.APPLICATION
        assert city.joined_on == _db.session.get(Application, application.id).updated_at.date()
        contacts = {(c.kind, c.email) for c in city.contacts}
        assert contacts == {("mayor", "mayor@nis.example"), ("focal_point", "ana@nis.example")}
        groups = _db.session.scalars(
            select(GroupMembership).where(GroupMembership.city_id == city.id)
        ).all()
        assert [m.group.slug for m in groups] == ["local-climate-action"]
        invited = {
            (u.email, u.role, u.city_slug, u.language)
            for u in _db.session.scalars(select(User).where(User.city_slug == city.slug))
        }
    assert invited == {
        ("mayor@nis.example", Role.MAYOR, "nis", "tr"),
        ("ana@nis.example", Role.DELEGATE, "nis", "tr"),
    }
    subjects = [m.template for m in outbox(app)]
    assert subjects.count("invitation") == 2
    assert "Nis" in client.get("/members?q=nis&lang=en").get_data(as_text=True)


def test_approval_reactivates_a_city_that_withdrew(app, client, cities, sign_in_as):
    sign_in_as(Role.SECRETARIAT)
    with app.app_context():
        kotor = _db.session.scalar(select(City).where(City.slug == "kotor"))
        members.withdraw_city(None, kotor, date(2025, 1, 1))
        _db.session.commit()
    submitted(client, city_name="Kotor", city_name_en="Kotor", country="ME")
    application = only_application(app)
    staff_step(client, application, Action.START_REVIEW)
    page = client.get(f"/staff/applications/{application.reference}?lang=en").get_data(as_text=True)
    assert "withdrew from the network earlier" in page
    staff_step(client, application, Action.APPROVE)
    with app.app_context():
        cities_named_kotor = _db.session.scalars(select(City).where(City.slug.like("kotor%"))).all()
        assert len(cities_named_kotor) == 1
        assert cities_named_kotor[0].status == CityStatus.ACTIVE
        assert cities_named_kotor[0].join_route == JoinRoute.APPLICATION


def test_a_city_that_joined_meanwhile_is_not_approved_twice(app, client, network, sign_in_as):
    staff = sign_in_as(Role.SECRETARIAT)
    application = bring_to(app, S.UNDER_REVIEW, staff.id)
    with app.test_request_context():
        members.create_city(
            None,
            official_name="Ниш",
            english_name="Niš",
            country_code="RS",
            joined_on=date(2026, 5, 1),
            join_route=JoinRoute.SUMMIT,
        )
        _db.session.commit()
    response = staff_step(client, application, Action.APPROVE)
    assert current_state(app, application.id) == S.UNDER_REVIEW
    assert "already a member" in response.get_data(as_text=True)
    assert count(app, Contact, Contact.email == "ana@nis.example") == 0


def test_people_who_have_accounts_are_not_invited_again(
    app, client, network, sign_in_as, create_user
):
    create_user(Role.DELEGATE, email="ana@nis.example", city="nis")
    staff = sign_in_as(Role.SECRETARIAT)
    application = bring_to(app, S.UNDER_REVIEW, staff.id)
    staff_step(client, application, Action.APPROVE)
    assert [m.recipient for m in outbox(app) if m.template == "invitation"] == ["mayor@nis.example"]


# --- the staff's queue, and who may see what ---------------------------------------------------


def test_the_queue_filters_by_state_country_and_date_and_counts(app, client, network, sign_in_as):
    staff = sign_in_as(Role.SECRETARIAT)
    bring_to(app, S.UNDER_REVIEW, staff.id)
    submitted(client, city_name="Bitola", city_name_en="Bitola", country="MK")
    html = client.get("/staff/applications?lang=en").get_data(as_text=True)
    assert "Open (2)" in html and "Under review (1)" in html and "Submitted (1)" in html
    only_mk = client.get("/staff/applications?lang=en&country=MK").get_data(as_text=True)
    assert "Bitola" in only_mk and "Niš" not in only_mk
    reviewed = client.get("/staff/applications?state=under_review").get_data(as_text=True)
    assert "Nis" in reviewed and "Bitola" not in reviewed
    future = client.get("/staff/applications?from=2190-01-01").get_data(as_text=True)
    assert "Bitola" not in future
    assert "Bitola" in client.get("/staff/applications?q=BITOLA").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.DELEGATE, Role.MAYOR])
def test_the_queue_and_applications_are_for_staff_only(
    app, client, network, create_user, sign_in_as, role
):
    staff = create_user(Role.SECRETARIAT)
    application = bring_to(app, S.SUBMITTED, staff.id)
    urls = ["/staff/applications", f"/staff/applications/{application.reference}"]
    for url in urls:
        assert client.get(url).status_code == 302
    sign_in_as(role)
    for url in urls:
        assert client.get(url).status_code == 403
    response = staff_step(client, application, Action.START_REVIEW)
    assert response.status_code == 403
    assert current_state(app, application.id) == S.SUBMITTED


def test_a_stored_script_is_escaped_wherever_it_shows(app, client, network, sign_in_as):
    payload = "<script>alert(1)</script>"
    location = submitted(
        client,
        city_name=f"Zaječar{payload}",
        city_name_en=f"Zajecar{payload}",
        contact_name=payload,
        motivation=payload,
        mayor_name=payload,
    )
    application = only_application(app)
    sign_in_as(Role.SECRETARIAT)
    staff_step(client, application, Action.START_REVIEW, note=payload)
    staff_step(client, application, Action.APPROVE, note=payload)
    pages = [
        location,
        "/staff/applications?state=all",
        f"/staff/applications/{application.reference}",
        "/members?q=zajecar",
        "/staff/audit",
    ]
    with app.app_context():
        slug = _db.session.get(Application, application.id).city.slug
    pages.append(f"/members/{slug}")
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        assert payload not in html, url
        assert "&lt;script&gt;" in html, url


def test_the_demo_has_an_application_in_every_state(app, db):
    with app.test_request_context():
        demo.load()
        _db.session.commit()
        states = set(_db.session.scalars(select(Application.state)))
    assert states == set(S)
