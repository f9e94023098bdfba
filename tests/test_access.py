"""Every endpoint declares who may use it, and the running app answers accordingly."""

import pytest

from secretariat.security import PUBLIC, SIGNED_IN, STAFF, Role


def _endpoints(app):
    for rule in app.url_map.iter_rules():
        yield rule, app.view_functions[rule.endpoint]


def test_every_endpoint_declares_an_access_rule(app):
    undeclared = [rule.rule for rule, view in _endpoints(app) if not hasattr(view, "access_rule")]
    assert undeclared == []


def _plain_get_urls(app, wanted):
    """The URLs without parameters that answer GET, whose rule matches wanted(rule)."""
    urls = []
    for rule, view in _endpoints(app):
        if rule.arguments or "GET" not in rule.methods or rule.endpoint == "static":
            continue
        if wanted(view.access_rule):
            urls.append(rule.rule)
    assert urls, "the matrix found no endpoint of this kind"
    return sorted(urls)


def test_anonymous_visitors_reach_public_pages_and_are_sent_to_sign_in_elsewhere(app, client):
    for url in _plain_get_urls(app, lambda access: access == PUBLIC):
        assert client.get(url).status_code == 200, url
    for url in _plain_get_urls(app, lambda access: access != PUBLIC):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/sign-in?next="), url


@pytest.mark.parametrize("role", [Role.MAYOR, Role.DELEGATE])
def test_city_roles_are_refused_staff_pages(app, client, sign_in_as, role):
    sign_in_as(role)
    for url in _plain_get_urls(app, lambda access: access not in (PUBLIC, SIGNED_IN)):
        assert client.get(url).status_code == 403, url
    for url in _plain_get_urls(app, lambda access: access == SIGNED_IN):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", sorted(STAFF))
def test_staff_reach_the_staff_pages(app, client, sign_in_as, role):
    sign_in_as(role)
    for url in _plain_get_urls(
        app,
        lambda access: (
            access != PUBLIC and Role(role) in (access if isinstance(access, frozenset) else {role})
        ),
    ):
        assert client.get(url).status_code == 200, url


def test_staff_only_posts_are_refused_to_a_delegate(app, client, sign_in_as, create_user):
    target = create_user(Role.DELEGATE)
    sign_in_as(Role.DELEGATE)
    for action in ("deactivate", "reactivate", "invitation"):
        response = client.post_form(f"/staff/users/{target.id}/{action}", page="/profile")
        assert response.status_code == 403, action
