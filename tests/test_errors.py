"""Every failure ends on a proper page in the active language, never a traceback."""

import logging
import re

import pytest

from secretariat import create_app
from secretariat.security import PUBLIC, Role, access
from tests.test_i18n import lang_of, turkish


@pytest.mark.parametrize(
    ("method", "url", "code"),
    [
        ("get", "/nope", 404),
        ("get", "/sign-out", 405),
        ("post", "/", 405),
        ("post", "/sign-in", 400),
    ],
)
def test_error_pages_in_both_languages(client, method, url, code):
    for language in ("en", "tr"):
        response = getattr(client, method)(url, headers={"Accept-Language": language})
        assert response.status_code == code
        assert lang_of(response) == language
        html = response.get_data(as_text=True)
        assert "Traceback" not in html
        assert "<h1>" in html


def test_405_says_what_is_allowed(client):
    assert "POST" in client.get("/sign-out").headers["Allow"].split(", ")
    assert "GET" not in client.get("/sign-out").headers["Allow"]


def test_413_is_a_page_of_ours(client):
    response = client.post(
        "/sign-in", data={"email": "x" * (13 * 1024 * 1024)}, headers={"Accept-Language": "tr"}
    )
    assert response.status_code == 413
    assert turkish("Too large") in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    [
        "/staff/users?page=abc",
        "/staff/users?page=-5",
        "/staff/users?page=99999999999999999999",
        "/staff/audit?from=2026-13-45&to=x",
        "/staff/users?role=%00",
        "/staff/outbox?status=%FF",
        "/staff/users/abc",
        "/%FF%FE",
    ],
)
def test_malformed_input_never_gives_a_500(client, sign_in_as, url):
    sign_in_as(Role.SECRETARIAT)
    assert client.get(url).status_code in (200, 400, 404)


def test_an_unexpected_error_shows_an_incident_id_that_is_in_the_log(app, caplog):
    broken = create_app({**app.config, "TESTING": False, "SECRET_KEY": "not-the-default-key"})

    @access(PUBLIC)
    def explode():
        raise RuntimeError("database password is hunter2")

    broken.add_url_rule("/explode", "explode", explode)
    with caplog.at_level(logging.ERROR, logger="secretariat"):
        response = broken.test_client().get("/explode", headers={"Accept-Language": "tr"})
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert lang_of(response) == "tr"
    assert "Traceback" not in html
    assert "hunter2" not in html
    incident = re.search(r"[0-9a-f]{8}", html.split("<main", 1)[1]).group(0)
    assert any(incident in record.getMessage() and record.exc_info for record in caplog.records)


def test_the_portal_refuses_to_start_in_production_with_the_default_secret(app):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(
            {
                "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                "SECRET_KEY": "dev-only-not-secret",
            }
        )
