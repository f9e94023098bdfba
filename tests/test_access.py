"""Every endpoint declares who may use it, and the running app answers as the rule says.

The matrix below asks the app, for every endpoint, method and role, and derives the expected
answer from the endpoint's declared rule alone: a new endpoint joins it by declaring its rule.
URL parameters get values that name no object, so an allowed role meets a 404, never a change.
"""

import pytest
from werkzeug.routing import AnyConverter, IntegerConverter

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


def _sample_url(rule) -> str:
    """The rule's address with values that match no object (id 987654321, an unknown token)."""
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            values[name] = 987654321
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
