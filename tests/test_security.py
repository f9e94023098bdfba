"""Sessions, cookies, headers, CSRF and redirects: the protections every page relies on."""

import re
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import func, select, update

from secretariat.accounts.models import SignIn
from secretariat.database import utcnow
from secretariat.extensions import db as _db
from secretariat.mail import OutboxMessage
from secretariat.security import Role
from tests.conftest import PASSWORD, sign_in

OPEN_REDIRECTS = [
    "https://evil.example",
    "http://evil.example/path",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "javascript:alert(1)",
    "JAVASCRIPT:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    " //evil.example",
    "https:evil.example",
    "/%0d%0aLocation:%20https://evil.example",
]


@pytest.mark.parametrize("target", OPEN_REDIRECTS)
def test_next_never_leaves_the_portal(client, create_user, target):
    user = create_user(Role.DELEGATE)
    response = client.post_form(
        "/sign-in", {"email": user.email, "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302
    landing = urlsplit(urljoin("http://localhost/sign-in", response.headers["Location"]))
    assert (landing.scheme, landing.netloc) == ("http", "localhost")
    assert "\\" not in response.headers["Location"]


def test_next_inside_the_portal_is_followed(client, create_user):
    user = create_user(Role.DELEGATE)
    response = client.post_form(
        "/sign-in", {"email": user.email, "password": PASSWORD, "next": "/profile?tab=1"}
    )
    assert response.headers["Location"] == "/profile?tab=1"


def test_a_post_without_csrf_token_is_refused(client, create_user):
    user = create_user(Role.DELEGATE)
    response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/profile").status_code == 302  # not signed in


def test_a_token_from_another_session_is_refused(app, client, create_user):
    user = create_user(Role.DELEGATE)
    foreign = app.test_client().csrf_token()
    response = client.post(
        "/sign-in", data={"email": user.email, "password": PASSWORD, "csrf_token": foreign}
    )
    assert response.status_code == 400
    assert client.get("/profile").status_code == 302


def test_sign_out_needs_a_csrf_protected_post(client, sign_in_as):
    sign_in_as(Role.DELEGATE)
    assert client.get("/sign-out").status_code == 405
    assert client.post("/sign-out").status_code == 400
    assert client.get("/profile").status_code == 200
    assert client.post_form("/sign-out", page="/profile").status_code == 302
    assert client.get("/profile").status_code == 302


def _session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("b40_session=")]
    assert cookies, "no session cookie set"
    return cookies[-1]


def test_session_cookie_is_httponly_and_samesite(client, create_user):
    user = create_user(Role.DELEGATE)
    cookie = _session_cookie(sign_in(client, user.email))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP here; see the HTTPS test


def test_session_cookie_is_secure_over_https(app, db, create_user):
    user = create_user(Role.DELEGATE)
    client = app.test_client()
    response = client.post_form(
        "/sign-in",
        {"email": user.email, "password": PASSWORD},
        base_url="https://localhost",
        headers={"Referer": "https://localhost/sign-in"},
    )
    assert response.status_code == 302
    assert "Secure" in _session_cookie(response)


def test_signing_in_starts_a_new_session(app, client, create_user):
    user = create_user(Role.DELEGATE)
    client.get("/?lang=tr")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    sign_in(client, user.email)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["lang"] == "tr"  # the language choice survives


@pytest.mark.parametrize("url", ["/", "/sign-in", "/does-not-exist"])
def test_security_headers_on_every_answer(client, url):
    headers = client.get(url).headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "http" not in csp  # no other origin is allowed
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"


def test_pages_load_nothing_from_another_site(client):
    html = client.get("/").get_data(as_text=True)
    assert "http://" not in html.replace("http://localhost", "")
    assert "https://" not in html


def test_deactivated_users_old_session_stops_at_once(app, client, create_user):
    staff_client = app.test_client()
    staff = create_user(Role.SECRETARIAT)
    sign_in(staff_client, staff.email)
    user = create_user(Role.DELEGATE)
    sign_in(client, user.email)
    assert client.get("/profile").status_code == 200
    response = staff_client.post_form(
        f"/staff/users/{user.id}/deactivate", page=f"/staff/users/{user.id}"
    )
    assert response.status_code == 302
    assert client.get("/profile").status_code == 302
    assert sign_in(client, user.email).status_code == 200  # the form again: refused


def test_request_size_is_limited(client):
    response = client.post("/sign-in", data={"email": "x" * (13 * 1024 * 1024)})
    assert response.status_code == 413


@pytest.mark.parametrize("where", ["form", "query"])
def test_a_nul_byte_is_refused_on_every_database(client, where):
    data = {"email": "a\x00@example.org", "password": "whatever-password"}
    if where == "form":
        response = client.post_form("/sign-in", data)
    else:
        response = client.get("/sign-in", query_string={"next": "/\x00"})
    assert response.status_code == 400


def _reset_links(app) -> list[str]:
    with app.app_context():
        bodies = _db.session.scalars(
            select(OutboxMessage.body).where(OutboxMessage.template == "password_reset")
        ).all()
    return [link for body in bodies for link in re.findall(r"https?://\S+", body)]


def test_a_request_for_a_foreign_host_is_refused_before_anything_runs(app, client, create_user):
    user = create_user(Role.DELEGATE)
    token = client.csrf_token("/password/forgot")
    for base in ("http://evil.example", "http://localhost.evil.example", "http://evil.example:80"):
        response = client.post(
            "/password/forgot", data={"email": user.email, "csrf_token": token}, base_url=base
        )
        assert response.status_code == 400
        assert b"evil.example" not in response.get_data()
    assert client.get("/", base_url="http://evil.example").status_code == 400
    assert _reset_links(app) == []  # nothing ran: no mail was queued


def test_every_absolute_link_starts_with_the_public_origin(app, client, create_user):
    """Not with the Host the request named, nor an X-Forwarded-Host nobody trusted."""
    user = create_user(Role.DELEGATE)
    origin, hosts = app.config["PUBLIC_URL"], app.config["ALLOWED_HOSTS"]
    app.config.update(PUBLIC_URL="https://portal.b40.example", ALLOWED_HOSTS=("localhost",))
    try:
        assert client.get("/", base_url="http://127.0.0.1").status_code == 400  # not loopback now
        client.post_form(
            "/password/forgot",
            {"email": user.email},
            headers={"X-Forwarded-Host": "evil.example"},
        )
    finally:
        app.config.update(PUBLIC_URL=origin, ALLOWED_HOSTS=hosts)
    [link] = _reset_links(app)
    assert link.startswith("https://portal.b40.example/password/reset/")


def test_a_session_cookie_copied_before_sign_out_opens_nothing_after(app, client, create_user):
    user = create_user(Role.DELEGATE)
    sign_in(client, user.email)
    copied = client.get_cookie("b40_session").value
    elsewhere = app.test_client()  # the same person's other device stays signed in
    sign_in(elsewhere, user.email)
    client.post_form("/sign-out", page="/profile")
    thief = app.test_client()
    thief.set_cookie("b40_session", copied)
    assert thief.get("/profile").status_code == 302
    assert elsewhere.get("/profile").status_code == 200


def test_a_sign_in_lasts_its_lifetime_and_no_longer(app, client, create_user):
    user = create_user(Role.DELEGATE)
    sign_in(client, user.email)
    with app.app_context():
        _db.session.execute(update(SignIn).values(expires_at=utcnow() - timedelta(seconds=1)))
        _db.session.commit()
    assert client.get("/profile").status_code == 302
    sign_in(client, user.email)  # a new sign-in clears the user's ended ones away
    with app.app_context():
        assert _db.session.scalar(select(func.count()).select_from(SignIn)) == 1


HUGE_IDS = ["100000000000000000000000", str(2**31), str(2**63), str(2**64), "9" * 400]


@pytest.mark.parametrize("number", HUGE_IDS)
def test_an_id_beyond_what_the_database_holds_is_no_page(client, sign_in_as, number):
    for url in (f"/sessions/{number}", f"/sessions/{number}.ics", f"/elections/{number}"):
        assert client.get(url).status_code == 404
    sign_in_as(Role.SECRETARIAT)
    for url in (f"/staff/users/{number}", f"/staff/outbox/{number}", f"/summits/{number}"):
        assert client.get(url).status_code == 404


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "0000-00-00", "2026-02-30", "x"])
def test_a_date_filter_beyond_the_calendar_is_ignored(client, sign_in_as, day):
    sign_in_as(Role.SECRETARIAT)
    for url in ("/staff/applications", "/staff/audit"):
        response = client.get(url, query_string={"from": day, "to": day})
        assert response.status_code == 200


@pytest.mark.parametrize("page", ["²", "٣", "99999999999", "-1"])
def test_a_page_number_of_any_digits_is_a_page(client, page):
    assert client.get("/members", query_string={"page": page}).status_code == 200
