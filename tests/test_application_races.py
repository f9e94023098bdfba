"""Races on /apply against a real server on 127.0.0.1: one new city from many forms, and a burst.

Threads are released together by a barrier; each is a separate browser with its own session
cookie and form, all from one address. Every answer must be one the portal means to give.
"""

import http.client
import re
import threading
from html import unescape
from urllib.parse import urlencode

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from secretariat.applications.models import Application
from secretariat.extensions import db as _db
from tests.test_applications import (
    count,
    fields,
    network,  # noqa: F401 - the fixture, shared
)
from tests.test_election_concurrency import together

pytestmark = pytest.mark.usefixtures("network")

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
SUBMISSION_TOKEN = re.compile(r'name="submission_token" type="hidden" value="([^"]+)"')
CITY_ERROR = re.compile(r'<p class="error" id="city_name-error">([^<]+)</p>')
REFERENCE = re.compile(r"B40-\d{4}-\d{4}")


@pytest.fixture(scope="module")
def apply_server(app):
    """The test app on a free port of 127.0.0.1, many requests at once (a thread each)."""
    served = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=served.serve_forever, name="apply-server", daemon=True)
    thread.start()
    yield served.server_port
    served.shutdown()
    served.server_close()
    thread.join(timeout=10)


class Applicant:
    """One browser that opened /apply: its session cookie, CSRF token and form token."""

    def __init__(self, port: int):
        self.port = port
        self.cookie = ""
        status, html = self.request("GET", "/apply?lang=en")
        assert status == 200
        self.csrf = CSRF.search(html).group(1)
        self.token = SUBMISSION_TOKEN.search(html).group(1)

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Connection": "close"}
        if self.cookie:
            headers["Cookie"] = f"b40_session={self.cookie}"
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8")
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("b40_session="):
                self.cookie = value.split(";", 1)[0].split("=", 1)[1]
        connection.close()
        return response.status, text

    def send(self, **overrides) -> tuple[int, str]:
        form = {"csrf_token": self.csrf, "submission_token": self.token, **fields(**overrides)}
        return self.request("POST", "/apply", form)


def test_twenty_forms_for_one_new_city_at_once_make_one_application(app, apply_server, monkeypatch):
    monkeypatch.setitem(app.config, "APPLICATIONS_PER_ADDRESS", "1000 per hour")
    applicants = [Applicant(apply_server) for _ in range(20)]

    def send(n):
        return lambda: applicants[n].send(contact_email=f"contact{n}@nis.example")

    answers = together([send(n) for n in range(20)])
    failures = [a for a in answers if isinstance(a, Exception) or a[0] >= 500]
    assert failures == []
    assert sorted(status for status, _text in answers) == [200] * 19 + [302]
    assert count(app, Application) == 1
    with app.app_context():
        reference = _db.session.scalar(select(Application.reference))
    for status, text in answers:
        if status == 200:
            message = unescape(CITY_ERROR.search(text).group(1))
            assert "already has an open application" in message
            assert REFERENCE.search(message).group(0) == reference


def test_a_burst_from_one_address_is_held_at_its_limit(app, apply_server):
    for n in range(7):
        status, _text = Applicant(apply_server).send(
            city_name=f"Town {n}", city_name_en=f"Town {n}"
        )
        assert status == 302
    applicants = [Applicant(apply_server) for _ in range(20)]

    def send(n):
        return lambda: applicants[n].send(city_name=f"Burst {n}", city_name_en=f"Burst {n}")

    answers = together([send(n) for n in range(20)])
    failures = [a for a in answers if isinstance(a, Exception) or a[0] >= 500]
    assert failures == []
    statuses = sorted(status for status, _text in answers)
    assert statuses == [302] * 3 + [429] * 17
    assert all("Too many attempts" in text for status, text in answers if status == 429)
    assert count(app, Application) == 10
