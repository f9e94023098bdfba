"""Every endpoint declares who may use it, and the running app answers as the rule says.

The matrix below asks the app, for every endpoint, method and role, and derives the expected
answer from the endpoint's declared rule alone: a new endpoint joins it by declaring its rule.
URL parameters get values that name no object, so an allowed role meets a 404, never a change.
Two hostile matrices ride on it: every endpoint asked for a foreign host (a 400, nothing
written), and every numeric part of every address given ids past what the database holds (404).
"""

import pytest
from sqlalchemy import func, select
from werkzeug.routing import AnyConverter, IntegerConverter

from secretariat.extensions import db
from secretariat.security import PUBLIC, SIGNED_IN, Role

ROLES = [None, *Role]  # None: an anonymous visitor
ENDS_THE_SESSION = {"accounts.sign_out", "accounts.change_password"}


def _endpoints(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint != "static":
            yield rule, app.view_functions[rule.endpoint]


def test_every_endpoint_declares_an_access_rule(app):
    undeclared = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if not hasattr(app.view_functions[rule.endpoint], "access_rule")
    ]
    assert undeclared == []


NO_SUCH_ID = 987654321
HUGE_IDS = ("1" + "0" * 23, str(2**31), str(2**63), "9" * 5000)
FOREIGN_HOSTS = ("http://evil.example", "http://localhost.evil.example", "http://b40.example:80")


def _sample_url(rule) -> str:
    """The rule's address with values that match no object (id 987654321, an unknown token)."""
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            values[name] = NO_SUCH_ID
        elif isinstance(converter, AnyConverter):
            values[name] = next(iter(converter.items))
        else:
            values[name] = "no-such-thing"
    return rule.build(values, append_unknown=False)[1]


def _allowed(access, role) -> bool:
    if access == PUBLIC:
        return True
    if role is None:
        return False
    return access == SIGNED_IN or role in access


def _expected(rule, view, method, role) -> set[int]:
    if method not in rule.methods:
        return {405}
    if not _allowed(view.access_rule, role):
        return {302} if role is None else {403}
    if rule.arguments:
        return {404}
    if method == "GET":
        return {200, 302}  # 302: a page that sends a signed-in person elsewhere (sign-in)
    return {200, 302}  # a form posted empty: shown again with its errors, or done


@pytest.mark.parametrize("role", ROLES, ids=lambda role: role or "anonymous")
def test_every_endpoint_answers_every_role_as_its_rule_says(app, client, sign_in_as, figure, role):
    if role is not None:
        sign_in_as(role)
    token = client.csrf_token("/" if role else "/sign-in")
    wrong = []
    asked = 0
    for rule, view in sorted(_endpoints(app), key=lambda pair: pair[0].rule):
        url = _sample_url(rule)
        for method in ("GET", "POST"):
            if method == "POST" and rule.endpoint in ENDS_THE_SESSION and role is not None:
                continue
            expected = _expected(rule, view, method, role)
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": token})
            asked += 1
            if response.status_code not in expected:
                wrong.append(
                    f"{method} {url} as {role or 'anonymous'}: {response.status_code}, expected {sorted(expected)}"
                )
            if response.status_code == 302 and role is None and expected == {302}:
                assert response.headers["Location"].startswith("/sign-in?next="), url
    figure(f"access matrix {role or 'anonymous'}: {asked} requests")
    assert wrong == []


def _requests(app, role):
    """Every endpoint's sample address, GET and POST, except what would end the session."""
    for rule, _view in sorted(_endpoints(app), key=lambda pair: pair[0].rule):
        for method in ("GET", "POST"):
            if method == "POST" and rule.endpoint in ENDS_THE_SESSION and role is not None:
                continue
            yield rule, method


def _rows(app) -> dict[str, int]:
    with app.app_context():
        return {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }


@pytest.mark.parametrize("role", ROLES, ids=lambda role: role or "anonymous")
def test_every_endpoint_refuses_a_foreign_host_and_writes_nothing(
    app, client, sign_in_as, figure, role
):
    if role is not None:
        sign_in_as(role)
    token = client.csrf_token("/" if role else "/sign-in")
    before, wrong, asked = _rows(app), [], 0
    for rule, method in _requests(app, role):
        url = _sample_url(rule)
        for base in FOREIGN_HOSTS:
            data = {"csrf_token": token} if method == "POST" else None
            response = client.open(url, method=method, data=data, base_url=base)
            asked += 1
            if response.status_code != 400 or b"evil.example" in response.get_data():
                wrong.append(f"{method} {base}{url}: {response.status_code}")
    assert wrong == []
    assert _rows(app) == before
    figure(f"foreign host {role or 'anonymous'}: {asked} requests, all 400, no row written")


@pytest.mark.parametrize("role", ROLES, ids=lambda role: role or "anonymous")
def test_ids_past_what_the_database_holds_name_nothing(app, client, sign_in_as, figure, role):
    if role is not None:
        sign_in_as(role)
    token = client.csrf_token("/" if role else "/sign-in")
    wrong, asked = [], 0
    for rule, method in _requests(app, role):
        if not any(isinstance(c, IntegerConverter) for c in rule._converters.values()):
            continue
        url = _sample_url(rule)
        for huge in HUGE_IDS:
            data = {"csrf_token": token} if method == "POST" else None
            response = client.open(url.replace(str(NO_SUCH_ID), huge), method=method, data=data)
            asked += 1
            if response.status_code not in ({404} if method in rule.methods else {404, 405}):
                wrong.append(f"{method} {url} with {huge:.30}: {response.status_code}")
    assert asked
    assert wrong == []
    figure(
        f"huge ids {role or 'anonymous'}: {asked} requests, all 404 (405 for a method the address never takes)"
    )
