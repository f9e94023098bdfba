"""Sessions, cookies, headers, CSRF and redirects: the protections every page relies on."""

from urllib.parse import urljoin, urlsplit

import pytest

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
