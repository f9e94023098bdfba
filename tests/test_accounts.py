"""Accounts: sign-in, throttling, invitations, resets, profile, and the staff's user pages."""

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import event, select, update

from secretariat.accounts import operations
from secretariat.accounts.models import AccountToken, User
from secretariat.accounts.rules import password_problems
from secretariat.audit import AuditEntry
from secretariat.database import utcnow
from secretariat.errors import RuleViolation
from secretariat.extensions import db as _db
from secretariat.mail import OutboxMessage
from secretariat.security import Role
from tests.conftest import PASSWORD, add_city, sign_in

CSRF_VALUE = re.compile(r'value="[^"]*"')


def _without_tokens(html: str) -> str:
    return CSRF_VALUE.sub("", html)


def test_passwords_are_stored_as_argon2id(app, create_user):
    user = create_user(Role.DELEGATE)
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_sign_in_with_right_password_and_any_case_of_email(client, create_user):
    user = create_user(Role.MAYOR, email="Mayor@Example.org")
    response = sign_in(client, "  MAYOR@example.ORG ")
    assert response.status_code == 302
    assert client.get("/profile").status_code == 200
    assert user.email == "mayor@example.org"


def test_unknown_account_and_wrong_password_get_the_same_answer(app, create_user):
    create_user(Role.DELEGATE, email="known@example.org")
    answers = []
    for email, password in [
        ("known@example.org", "wrong-password-123"),
        ("nobody@example.org", "x" * 14),
    ]:
        client = app.test_client()
        response = sign_in(client, email, password)
        answers.append(
            (
                response.status_code,
                _without_tokens(response.get_data(as_text=True)).replace(email, ""),
            )
        )
    assert answers[0] == answers[1]
    assert answers[0][0] == 200
    assert "The email address or password is not correct." in answers[0][1]


def test_eleventh_failure_for_one_account_within_15_minutes_is_refused(app, client, create_user):
    user = create_user(Role.DELEGATE)
    for attempt in range(10):
        assert sign_in(client, user.email, f"wrong-password-{attempt}").status_code == 200
    assert sign_in(client, user.email, "wrong-password-11").status_code == 429
    assert sign_in(client, user.email, PASSWORD).status_code == 429  # from the guesser's address
    other = create_user(Role.DELEGATE)
    assert sign_in(client, other.email).status_code == 302  # other accounts are not locked


def test_a_guesser_cannot_lock_the_owner_out(app, client, create_user):
    """Ten wrong passwords from one address lock that address out of the account, not the
    account: the network secretary still signs in from the office on election day."""
    secretary = create_user(Role.ADMIN)
    for attempt in range(12):
        sign_in(client, secretary.email, f"wrong-password-{attempt}")
    assert sign_in(client, secretary.email, PASSWORD).status_code == 429
    office = app.test_client()
    response = office.post_form(
        "/sign-in",
        {"email": secretary.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "192.0.2.10"},
    )
    assert response.status_code == 302
    assert office.get("/profile", environ_base={"REMOTE_ADDR": "192.0.2.10"}).status_code == 200


def test_a_burst_of_guesses_at_once_is_held_at_the_limit(app, create_user):
    """Counted before the password is checked, so twenty guesses sent together get ten tries."""
    user = create_user(Role.DELEGATE)
    clients = [app.test_client() for _ in range(20)]
    tokens = [each.csrf_token() for each in clients]

    def guess(number):
        form = {"email": user.email, "password": "wrong-password-x", "csrf_token": tokens[number]}
        return clients[number].post("/sign-in", data=form).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(guess, range(20)))
    assert sorted(answers) == [200] * 10 + [429] * 10


def test_unknown_accounts_are_throttled_like_known_ones(client):
    for _ in range(10):
        assert sign_in(client, "ghost@example.org", "wrong-password-1").status_code == 200
    assert sign_in(client, "ghost@example.org", "wrong-password-1").status_code == 429


def test_failures_from_one_address_are_limited_across_accounts(app, client):
    for number in range(30):
        assert sign_in(client, f"guess{number}@example.org", "wrong-password-1").status_code == 200
    assert sign_in(client, "guess99@example.org", "wrong-password-1").status_code == 429
    other_address = app.test_client()
    response = other_address.post_form(
        "/sign-in",
        {"email": "guess99@example.org", "password": "wrong-password-1"},
        environ_base={"REMOTE_ADDR": "10.9.8.7"},
    )
    assert response.status_code == 200


def test_successful_sign_ins_do_not_count_as_failures(client, create_user):
    user = create_user(Role.DELEGATE)
    for _ in range(12):
        assert sign_in(client, user.email).status_code == 302
        client.post_form("/sign-out", page="/profile")


def test_the_throttle_page_is_in_the_active_language(client, create_user):
    user = create_user(Role.DELEGATE)
    client.get("/?lang=tr")
    for _ in range(10):
        sign_in(client, user.email, "wrong-password-0")
    response = sign_in(client, user.email, "wrong-password-0")
    assert response.status_code == 429
    assert '<html lang="tr">' in response.get_data(as_text=True)
    assert "Too many attempts" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("short-pass", False),
        ("x" * 129, False),
        ("password1234", False),
        ("Password1234!", False),
        ("aaaaaaaaaaaaaaa", False),
        ("abcdefghijklmnop", False),
        ("123456789012", False),
        ("jovana.petrovic", False),
        ("river-lantern-copper-9", True),
        ("x" * 128, False),
        ("Şişli'de sabah çayı", True),
    ],
)
def test_password_rules(password, accepted, app):
    with app.test_request_context():
        problems = password_problems(password, "jovana.petrovic@example.org", "Jovana Petrovic")
    assert (problems == []) is accepted


def _latest_token(app, user_id):
    with app.app_context():
        return _db.session.scalars(
            select(AccountToken)
            .where(AccountToken.user_id == user_id)
            .order_by(AccountToken.id.desc())
        ).first()


def _link_from_outbox(app, recipient):
    with app.app_context():
        message = _db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.recipient == recipient)
            .order_by(OutboxMessage.id.desc())
        ).first()
    found = re.search(r"http://localhost(/\S+)", message.body)
    return message, found.group(1)


def test_invitation_sets_a_password_once(app, client, sign_in_as):
    add_city(app, "Split")
    sign_in_as(Role.SECRETARIAT)
    response = client.post_form(
        "/staff/users/invite",
        {
            "email": "New.Mayor@example.org",
            "name": "Ana Kovač",
            "role": "mayor",
            "city_slug": "split",
            "language": "tr",
        },
    )
    assert response.status_code == 302
    message, link = _link_from_outbox(app, "new.mayor@example.org")
    assert message.language == "tr"
    assert "B40" in message.subject and "invited" not in message.subject  # rendered in Turkish
    assert "7" in message.body

    newcomer = app.test_client()
    assert newcomer.get(link).status_code == 200
    response = newcomer.post_form(
        link, {"password": "split-harbour-evening", "confirm": "split-harbour-evening"}
    )
    assert response.status_code == 302
    assert sign_in(newcomer, "new.mayor@example.org", "split-harbour-evening").status_code == 302
    assert app.test_client().get(link).status_code == 404  # single use


def test_invitation_expires_after_seven_days(app, client, sign_in_as):
    add_city(app, "Kotor", "ME")
    sign_in_as(Role.ADMIN)
    client.post_form(
        "/staff/users/invite",
        {
            "email": "late@example.org",
            "name": "Late Person",
            "role": "delegate",
            "city_slug": "kotor",
            "language": "en",
        },
    )
    _message, link = _link_from_outbox(app, "late@example.org")
    with app.app_context():
        token = _db.session.scalar(select(AccountToken).order_by(AccountToken.id.desc()))
        assert (
            timedelta(days=6, hours=23) < token.expires_at - token.created_at <= timedelta(days=7)
        )
        _db.session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        _db.session.commit()
    newcomer = app.test_client()
    assert newcomer.get(link).status_code == 404
    response = newcomer.post(
        link, data={"password": "a-fine-long-password", "confirm": "a-fine-long-password"}
    )
    assert response.status_code in (400, 404)


def test_password_reset_link_is_single_use_and_lasts_one_hour(app, client, create_user):
    user = create_user(Role.DELEGATE, language="tr")
    response = client.post_form("/password/forgot", {"email": user.email})
    assert response.status_code == 302
    message, link = _link_from_outbox(app, user.email)
    assert message.language == "tr"
    token = _latest_token(app, user.id)
    assert token.expires_at - token.created_at <= timedelta(hours=1)

    response = client.post_form(
        link, {"password": "new-password-for-me", "confirm": "new-password-for-me"}
    )
    assert response.status_code == 302
    assert sign_in(app.test_client(), user.email, PASSWORD).status_code == 200
    assert sign_in(app.test_client(), user.email, "new-password-for-me").status_code == 302
    assert client.get(link).status_code == 404


def test_expired_reset_link_is_refused(app, client, create_user):
    user = create_user(Role.DELEGATE)
    client.post_form("/password/forgot", {"email": user.email})
    _message, link = _link_from_outbox(app, user.email)
    with app.app_context():
        _db.session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(minutes=1)))
        _db.session.commit()
    assert client.get(link).status_code == 404


def test_reset_request_answers_the_same_for_unknown_addresses(app, client, create_user):
    user = create_user(Role.DELEGATE)
    known = client.post_form("/password/forgot", {"email": user.email}, follow_redirects=True)
    unknown = app.test_client().post_form(
        "/password/forgot", {"email": "nobody@example.org"}, follow_redirects=True
    )
    assert _without_tokens(known.get_data(as_text=True)) == _without_tokens(
        unknown.get_data(as_text=True)
    )
    with app.app_context():
        assert _db.session.scalar(select(OutboxMessage.recipient)) == user.email


def test_a_racing_second_use_of_a_token_fails(app, create_user):
    user = create_user(Role.DELEGATE)
    with app.test_request_context():
        operations.request_password_reset(user.email)
        _db.session.commit()
    _message, link = _link_from_outbox(app, user.email)
    raw = link.rsplit("/", 1)[1]
    with app.test_request_context():
        operations.reset_password(raw, "first-new-password")
        _db.session.commit()
        with pytest.raises(operations.RuleViolation):
            operations.reset_password(raw, "second-new-password")


def test_password_change_needs_the_current_one_and_ends_every_session(app, client, create_user):
    user = create_user(Role.MAYOR)
    other_device = app.test_client()
    sign_in(client, user.email)
    sign_in(other_device, user.email)
    wrong = client.post_form(
        "/profile/password",
        {
            "pw-current_password": "not-my-password",
            "pw-password": "a-brand-new-secret",
            "pw-confirm": "a-brand-new-secret",
        },
        page="/profile",
    )
    assert wrong.status_code == 200
    assert "The current password is not correct." in wrong.get_data(as_text=True)
    right = client.post_form(
        "/profile/password",
        {
            "pw-current_password": PASSWORD,
            "pw-password": "a-brand-new-secret",
            "pw-confirm": "a-brand-new-secret",
        },
        page="/profile",
    )
    assert right.status_code == 302
    assert client.get("/profile").status_code == 302
    assert other_device.get("/profile").status_code == 302
    assert sign_in(client, user.email, "a-brand-new-secret").status_code == 302


def test_profile_saves_language_and_time_zone(app, client, sign_in_as):
    user = sign_in_as(Role.DELEGATE)
    response = client.post_form(
        "/profile", {"name": "Amra H.", "language": "tr", "timezone": "Europe/Sarajevo"}
    )
    assert response.status_code == 302
    assert '<html lang="tr">' in client.get("/profile").get_data(as_text=True)
    with app.app_context():
        saved = _db.session.get(User, user.id)
        assert (saved.language, saved.timezone, saved.name) == ("tr", "Europe/Sarajevo", "Amra H.")


def test_profile_refuses_an_unknown_time_zone_and_keeps_what_was_typed(client, sign_in_as):
    sign_in_as(Role.DELEGATE)
    response = client.post_form(
        "/profile", {"name": "Kept Name", "language": "en", "timezone": "Mars/Olympus"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Not a valid choice" in html
    assert 'value="Kept Name"' in html


def test_staff_list_and_filter_users(client, sign_in_as, create_user):
    sign_in_as(Role.SECRETARIAT)
    create_user(Role.MAYOR, name="Zoran Mayor")
    create_user(Role.DELEGATE, name="Dora Delegate")
    html = client.get("/staff/users?role=mayor").get_data(as_text=True)
    assert "Zoran Mayor" in html
    assert "Dora Delegate" not in html
    assert "Dora Delegate" in client.get("/staff/users?q=dora").get_data(as_text=True)


def test_only_an_admin_grants_the_admin_role(app, client, sign_in_as, create_user):
    target = create_user(Role.DELEGATE)
    sign_in_as(Role.SECRETARIAT)
    response = client.post_form(f"/staff/users/{target.id}", {"role": "admin", "city_slug": ""})
    assert "Only an administrator can give or take the administrator role." in response.get_data(
        as_text=True
    )
    with app.app_context():
        assert _db.session.get(User, target.id).role == "delegate"


def test_admin_changes_a_role_and_it_is_audited(app, client, sign_in_as, create_user):
    target = create_user(Role.DELEGATE)
    admin = sign_in_as(Role.ADMIN)
    client.post_form(f"/staff/users/{target.id}", {"role": "secretariat", "city_slug": ""})
    with app.app_context():
        assert _db.session.get(User, target.id).role == "secretariat"
        entry = _db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "user.role")
        ).one()
        assert entry.actor_id == admin.id
        assert (entry.before["role"], entry.after["role"]) == ("delegate", "secretariat")


def test_a_mayor_needs_a_city(client, sign_in_as, create_user):
    target = create_user(Role.SECRETARIAT)
    sign_in_as(Role.ADMIN)
    response = client.post_form(f"/staff/users/{target.id}", {"role": "mayor", "city_slug": ""})
    assert response.status_code == 200
    assert "Mayors and delegates belong to a city." in response.get_data(as_text=True)


@pytest.mark.parametrize("form", ["invite", "role"])
def test_a_person_is_never_put_in_a_city_that_does_not_exist(
    app, client, sign_in_as, create_user, form
):
    target = create_user(Role.SECRETARIAT)
    sign_in_as(Role.ADMIN)
    typed = {"role": "mayor", "city_slug": "atlantis"}
    if form == "invite":
        url = "/staff/users/invite"
        typed |= {"email": "someone@example.org", "name": "Some One", "language": "en"}
    else:
        url = f"/staff/users/{target.id}"
    response = client.post_form(url, typed)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is no city with the short name “atlantis”." in html
    assert 'value="atlantis"' in html  # what was typed is kept
    with app.app_context():
        assert _db.session.scalar(select(User).where(User.city_slug == "atlantis")) is None
        with pytest.raises(RuleViolation):
            operations.invite_user(None, "cli@example.org", "Cli", Role.MAYOR, "atlantis")


def test_staff_cannot_deactivate_themselves(app, client, sign_in_as):
    me = sign_in_as(Role.ADMIN)
    client.post_form(f"/staff/users/{me.id}/deactivate", page=f"/staff/users/{me.id}")
    assert client.get("/profile").status_code == 200


def test_reactivated_user_signs_in_again(app, client, sign_in_as, create_user):
    target = create_user(Role.DELEGATE)
    sign_in_as(Role.SECRETARIAT)
    client.post_form(f"/staff/users/{target.id}/deactivate", page=f"/staff/users/{target.id}")
    assert sign_in(app.test_client(), target.email).status_code == 200
    client.post_form(f"/staff/users/{target.id}/reactivate", page=f"/staff/users/{target.id}")
    assert sign_in(app.test_client(), target.email).status_code == 302


def test_unknown_user_page_is_404(client, sign_in_as):
    sign_in_as(Role.SECRETARIAT)
    assert client.get("/staff/users/999999").status_code == 404


def test_duplicate_invitation_is_refused_with_a_message(app, client, sign_in_as, create_user):
    add_city(app, "Kotor", "ME")
    existing = create_user(Role.DELEGATE)
    sign_in_as(Role.SECRETARIAT)
    response = client.post_form(
        "/staff/users/invite",
        {
            "email": existing.email.upper(),
            "name": "Again",
            "role": "delegate",
            "city_slug": "kotor",
            "language": "en",
        },
    )
    assert response.status_code == 200
    assert "already exists" in response.get_data(as_text=True)


@pytest.mark.parametrize("typed", ["petrovic", "PETROVIĆ", "Petrović", "jovana.p", "Петровић"])
def test_user_search_ignores_case_and_diacritics(client, sign_in_as, create_user, typed):
    create_user(Role.SECRETARIAT, name="Jovana Petrović", email="jovana.p@example.org")
    create_user(Role.DELEGATE, name="Dora Delegate")
    sign_in_as(Role.ADMIN)
    html = client.get("/staff/users", query_string={"q": typed}).get_data(as_text=True)
    assert "Jovana Petrović" in html
    assert "Dora Delegate" not in html


def test_user_search_finds_dj_either_way(client, sign_in_as, create_user):
    create_user(Role.DELEGATE, name="Đorđe Đorđević")
    sign_in_as(Role.ADMIN)
    for typed in ("dorde", "Djordjevic", "ĐORĐEVIĆ"):
        assert "Đorđe Đorđević" in client.get("/staff/users", query_string={"q": typed}).get_data(
            as_text=True
        )


def test_user_search_treats_the_turkish_i_alike(client, sign_in_as, create_user):
    create_user(Role.DELEGATE, name="Işıl İnci")
    sign_in_as(Role.ADMIN)
    for typed in ("isil inci", "IŞIL İNCİ", "ışıl"):
        assert "Işıl İnci" in client.get("/staff/users", query_string={"q": typed}).get_data(
            as_text=True
        )


def test_user_search_takes_wildcards_literally(client, sign_in_as, create_user):
    create_user(Role.DELEGATE, name="Plain Name")
    sign_in_as(Role.ADMIN)
    assert "Plain Name" not in client.get("/staff/users?q=%25").get_data(as_text=True)
    assert "Plain Name" not in client.get("/staff/users?q=_").get_data(as_text=True)


def test_the_listing_counts_and_pages_every_user(app, client, sign_in_as, create_user):
    app.config["PAGE_SIZE"] = 3
    try:
        for number in range(6):
            create_user(Role.DELEGATE, name=f"Listed {number}")
        sign_in_as(Role.ADMIN, name="Admin Person")
        first = client.get("/staff/users").get_data(as_text=True)
        assert "7 users found." in first
        assert "Page 1 of 3" in first
        last = client.get("/staff/users?page=3").get_data(as_text=True)
        assert "7 users found." in last
        assert last.count("<tr>") == 2  # the header and the seventh person
        assert "6 users found." in client.get("/staff/users?q=listed").get_data(as_text=True)
        assert "1 user found." in client.get("/staff/users?q=listed 1").get_data(as_text=True)
    finally:
        app.config["PAGE_SIZE"] = 50


def _users_statements(app, client, url="/staff/users") -> tuple[str, list[str]]:
    """The page of url and the statements it read from the users table besides the reader."""
    seen: list[str] = []
    with app.app_context():
        engine = _db.engine
    listener = lambda conn, cursor, sql, *args: seen.append(" ".join(sql.split()))  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        html = client.get(url).get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    listing = [sql for sql in seen if "FROM users" in sql and "WHERE users.id =" not in sql]
    return html, listing


def test_the_users_table_is_kept_and_shows_every_change_on_the_next_request(
    app, client, sign_in_as, create_user
):
    staff = sign_in_as(Role.SECRETARIAT, name="Selin Staff")
    target = create_user(Role.DELEGATE, name="Vesna Before")
    html, listing = _users_statements(app, client)
    assert "Vesna Before" in html and listing  # rendered
    html, listing = _users_statements(app, client)
    assert "Vesna Before" in html and listing == []  # kept: the users were not read again
    assert "Selin Staff" in html  # the layout is still the reader's own

    sign_in(app.test_client(), target.email)  # a sign-in changes no listed column
    assert _users_statements(app, client)[1] == []

    with app.test_request_context():
        operations.update_profile(
            _db.session.get(User, target.id), "Vesna After", "en", "Europe/Istanbul"
        )
        _db.session.commit()
    html, listing = _users_statements(app, client)
    assert "Vesna After" in html and "Vesna Before" not in html and listing

    client.post_form(f"/staff/users/{target.id}/deactivate", page=f"/staff/users/{target.id}")
    row = re.search(r"Vesna After.*?</tr>", client.get("/staff/users").get_data(as_text=True), re.S)
    assert "Deactivated" in row.group(0)

    create_user(Role.MAYOR, name="Newly Invited")
    assert "Newly Invited" in client.get("/staff/users").get_data(as_text=True)
    other = app.test_client()
    sign_in(other, create_user(Role.ADMIN, name="Ana Admin").email)
    html = other.get("/staff/users").get_data(as_text=True)
    assert "Ana Admin ·" in html and "Selin Staff ·" not in html  # each reader's own layout
    assert staff.name in html  # and the same table
