"""A term's indicators: set by staff or the term's presidency, figures from staff or the portal."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from secretariat.audit import AuditEntry
from secretariat.extensions import db as _db
from secretariat.mail import OutboxMessage
from secretariat.members.models import JoinRoute
from secretariat.members.operations import create_city
from secretariat.reports.models import Indicator, IndicatorFigure, Report, ReportTransition
from secretariat.security import Role
from tests.conftest import sign_in
from tests.helpers import words

ZAGREB_TERM = 5  # the demo's current term: Zagreb, from the handover of 27 January 2026
SOFIA_TERM = 4  # the term before: Sofia, 2025 to 2026, closed


def indicator(**changes) -> dict:
    values = {
        "title_en": "Online sessions held",
        "title_tr": "Yapılan çevrim içi toplantılar",
        "description_en": "",
        "description_tr": "",
        "unit_en": "sessions",
        "unit_tr": "toplantı",
        "target": "8",
        "direction": "at_least",
        "source": "entered",
        "measure": "",
        "working_group_id": "",
    }
    return {**values, **changes}


def indicators_url(term: int = ZAGREB_TERM) -> str:
    return f"/presidency/terms/{term}/indicators"


def add(client, term: int = ZAGREB_TERM, **changes):
    return client.post_form(f"{indicators_url(term)}/new", indicator(**changes))


def stored(app) -> list[Indicator]:
    with app.app_context():
        found = _db.session.scalars(select(Indicator).order_by(Indicator.position)).all()
        _db.session.expunge_all()
        return found


def test_staff_set_an_entered_and_a_computed_indicator_and_anyone_reads_them(
    app, client, history, sign_in_as
):
    sign_in_as(Role.SECRETARIAT)
    assert add(client).status_code == 302
    response = add(
        client,
        title_en="New member cities",
        title_tr="Yeni üye şehirler",
        unit_en="cities",
        unit_tr="şehir",
        target="4",
        source="computed",
        measure="new_members",
    )
    assert response.status_code == 302
    entered, computed = stored(app)
    assert (entered.position, computed.position) == (1, 2)
    assert (computed.source, computed.measure) == ("computed", "new_members")
    recorded = client.post_form(
        f"{indicators_url()}/{entered.id}/figures",
        {"value": "3", "recorded_on": "2026-06-30", "note": "Two regular, one extra."},
    )
    assert recorded.status_code == 302

    anonymous = app.test_client()
    page = words(anonymous.get(indicators_url()))
    assert "Online sessions held" in page
    assert "3 sessions" in page and "At least 8 sessions" in page
    assert "New member cities" in page and "computed by the portal" in page
    turkish = words(anonymous.get(f"{indicators_url()}?lang=tr"))
    assert "Yapılan çevrim içi toplantılar" in turkish and "Yeni üye şehirler" in turkish


def test_a_computed_count_follows_the_portals_own_data(app, client, history, sign_in_as):
    """Two cities joining in the term are two more new members; one joined before it is not."""
    sign_in_as(Role.SECRETARIAT)
    add(client, title_en="New members", source="computed", measure="new_members", target="2")

    def shown() -> str:
        return words(client.get(indicators_url()))

    before = shown()
    assert "So far 0 sessions" in before or "So far 0 " in before
    with app.test_request_context():
        for name, joined_on in (("Bitola", date(2026, 3, 1)), ("Vidin", date(2026, 5, 2))):
            create_city(
                None,
                official_name=name,
                english_name=name,
                country_code="MK",
                joined_on=joined_on,
                join_route=JoinRoute.APPLICATION,
            )
        create_city(
            None,
            official_name="Ohrid",
            english_name="Ohrid",
            country_code="MK",
            joined_on=date(2025, 12, 1),  # in Sofia's term, not Zagreb's
            join_route=JoinRoute.APPLICATION,
        )
        _db.session.commit()
    after = shown()
    assert "So far 2 " in after
    assert "Met" in after


@pytest.mark.parametrize(
    ("role", "city", "allowed"),
    [
        (Role.SECRETARIAT, None, True),
        (Role.MAYOR, "zagreb", True),  # the term's presidency
        (Role.DELEGATE, "zagreb", True),
        (Role.MAYOR, "sarajevo", False),
        (Role.DELEGATE, "sarajevo", False),
    ],
)
def test_only_staff_and_the_terms_presidency_set_its_indicators(
    app, client, history, sign_in_as, role, city, allowed
):
    sign_in_as(role, city=city)
    response = add(client)
    if allowed:
        assert response.status_code == 302
        assert len(stored(app)) == 1
    else:
        assert response.status_code == 403
        assert "term's presidency" in words(response)
        assert stored(app) == []
        assert client.get(f"{indicators_url()}/new").status_code == 403


def test_the_other_side_sees_every_change_in_the_audit_log(app, client, history, sign_in_as):
    sign_in_as(Role.MAYOR, city="zagreb")
    add(client)
    [mine] = stored(app)
    client.post_form(f"{indicators_url()}/{mine.id}/edit", indicator(target="10"))
    client.post_form(f"{indicators_url()}/{mine.id}/remove", {}, page=indicators_url())
    with app.app_context():
        actions = _db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.action.like("indicator.%"))
            .order_by(AuditEntry.id)
        ).all()
    assert actions == ["indicator.add", "indicator.update", "indicator.remove"]
    assert stored(app) == []


def test_only_staff_record_figures_and_only_of_an_entered_indicator(
    app, client, history, sign_in_as, create_user
):
    sign_in_as(Role.SECRETARIAT)
    add(client)
    add(client, title_en="Summit attendance", source="computed", measure="summit_attendance")
    entered, computed = stored(app)
    refused = client.post_form(
        f"{indicators_url()}/{computed.id}/figures", {"value": "5", "recorded_on": "2026-06-01"}
    )
    assert refused.status_code == 200
    assert "The portal computes this indicator" in words(refused)
    mayor = app.test_client()
    sign_in(mayor, create_user(Role.MAYOR, city="zagreb").email)
    denied = mayor.post_form(
        f"{indicators_url()}/{entered.id}/figures",
        {"value": "5", "recorded_on": "2026-06-01"},
        page=indicators_url(),
    )
    assert denied.status_code == 403
    with app.app_context():
        assert _db.session.scalar(select(func.count()).select_from(IndicatorFigure)) == 0


def test_the_latest_figure_counts_and_the_history_stays(app, client, history, sign_in_as):
    sign_in_as(Role.SECRETARIAT)
    add(client)
    [entered] = stored(app)
    url = f"{indicators_url()}/{entered.id}/figures"
    for value, day in (("2", "2026-03-31"), ("5", "2026-09-30"), ("4", "2026-06-30")):
        assert client.post_form(url, {"value": value, "recorded_on": day}).status_code == 302
    assert "So far 5 sessions" in words(client.get(indicators_url()))
    history_page = words(client.get(url))
    assert all(day in history_page for day in ("March 31, 2026", "June 30, 2026"))


@pytest.mark.parametrize("typed", ["NaN", "inf", "-1", "1e309", "twelve", "9" * 400])
def test_an_impossible_target_is_refused_next_to_its_field(app, client, history, sign_in_as, typed):
    sign_in_as(Role.SECRETARIAT)
    response = add(client, target=typed, title_en="Kept as typed")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="target-error"' in html
    assert 'value="Kept as typed"' in html
    assert stored(app) == []


def test_a_computed_indicator_needs_its_measure_and_a_figure_day_cannot_be_ahead(
    app, client, history, sign_in_as
):
    sign_in_as(Role.SECRETARIAT)
    response = add(client, source="computed", measure="")
    assert 'id="measure-error"' in response.get_data(as_text=True)
    add(client)
    [entered] = stored(app)
    ahead = (date.today() + timedelta(days=3)).isoformat()
    late = client.post_form(
        f"{indicators_url()}/{entered.id}/figures", {"value": "1", "recorded_on": ahead}
    )
    assert 'id="recorded_on-error"' in late.get_data(as_text=True)


def test_a_closed_term_says_when_it_ran_and_an_unknown_term_is_not_found(app, client, history):
    assert client.get(indicators_url(987654321)).status_code == 404
    page = words(client.get(indicators_url(SOFIA_TERM)))
    assert "The term ran from" in page
    assert "No indicators have been set for this term yet." in page


# --- the annual activity report: staff write, the term's presidency reviews ------------------

REPORT = f"/presidency/terms/{ZAGREB_TERM}/report"
TEXTS = {
    "foreword_en": "A year of quarterly sessions.",
    "foreword_tr": "Üç aylık toplantılarla geçen bir yıl.",
    "highlights_en": "Four working groups met.",
    "highlights_tr": "Dört çalışma grubu toplandı.",
    "outlook_en": "",
    "outlook_tr": "",
}


def step(client, name: str, comment: str = ""):
    return client.post_form(f"{REPORT}/{name}", {"comment": comment}, page=REPORT)


def report_state(app) -> str:
    with app.app_context():
        return _db.session.scalar(select(Report.state))


def test_the_report_goes_from_draft_through_review_to_published(
    app, client, history, sign_in_as, create_user
):
    staff = sign_in_as(Role.SECRETARIAT)
    mayor_user = create_user(Role.MAYOR, city="zagreb", language="tr")
    mayor = app.test_client()
    sign_in(mayor, mayor_user.email)

    client.post_form(f"{REPORT}/start", {}, page=REPORT)
    assert client.post_form(f"{REPORT}/texts", TEXTS, page=REPORT).status_code == 302
    assert step(client, "send").status_code == 302
    assert report_state(app) == "presidency_review"

    assert step(mayor, "return", "Add the climate group's note.").status_code == 302
    assert report_state(app) == "draft"
    changed = {**TEXTS, "outlook_en": "Two new groups.", "outlook_tr": "İki yeni grup."}
    assert client.post_form(f"{REPORT}/texts", changed, page=REPORT).status_code == 302
    step(client, "send")
    assert step(mayor, "approve").status_code == 302
    assert report_state(app) == "approved"
    assert step(client, "publish").status_code == 302
    assert report_state(app) == "published"

    with app.app_context():
        steps = _db.session.execute(
            select(ReportTransition.step, ReportTransition.comment).order_by(ReportTransition.id)
        ).all()
        mail_to_mayor = _db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.recipient == mayor_user.email)
            .order_by(OutboxMessage.id)
        ).all()
        mail_to_staff = _db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.recipient == staff.email)
            .order_by(OutboxMessage.id)
        ).all()
    assert [name for name, _comment in steps] == ["send", "return", "send", "approve", "publish"]
    assert steps[1][1] == "Add the climate group's note."
    assert len(mail_to_mayor) == 3 and all(m.language == "tr" for m in mail_to_mayor)
    assert "incelenmek üzere dönem başkanlığına gönderdi" in mail_to_mayor[0].body
    assert len(mail_to_staff) == 2
    assert "Add the climate group's note." in mail_to_staff[0].body
    page = words(client.get(REPORT))
    assert "Published" in page and "Two new groups." in page


def test_only_the_terms_presidency_reviews_and_only_staff_publish(
    app, client, history, sign_in_as, create_user
):
    sign_in_as(Role.SECRETARIAT)
    client.post_form(f"{REPORT}/start", {}, page=REPORT)
    step(client, "send")
    refused = step(client, "approve")  # staff are not the presidency
    assert "Only the mayor or a delegate of the term's city reviews its report." in words(refused)
    assert report_state(app) == "presidency_review"
    other = app.test_client()
    sign_in(other, create_user(Role.MAYOR, city="sarajevo").email)
    assert other.get(REPORT).status_code == 403
    assert step(other, "approve").status_code in (400, 403)
    delegate = app.test_client()
    sign_in(delegate, create_user(Role.DELEGATE, city="zagreb").email)
    assert step(delegate, "approve").status_code == 302
    assert "Only the secretariat does this." in words(step(delegate, "publish"))
    assert report_state(app) == "approved"


def test_a_return_needs_a_comment_and_steps_keep_their_order(
    app, client, history, sign_in_as, create_user
):
    sign_in_as(Role.SECRETARIAT)
    client.post_form(f"{REPORT}/start", {}, page=REPORT)
    refused = step(client, "publish")
    assert refused.status_code == 200
    assert "A report that is Draft cannot take this step." in words(refused)
    assert report_state(app) == "draft"
    step(client, "send")
    late = client.post_form(f"{REPORT}/texts", TEXTS, page=REPORT)
    assert "only while the report is a draft" in words(late)
    mayor = app.test_client()
    sign_in(mayor, create_user(Role.MAYOR, city="zagreb").email)
    silent = step(mayor, "return")
    assert silent.status_code == 200
    assert 'id="comment-error"' in silent.get_data(as_text=True)
    assert report_state(app) == "presidency_review"


def test_a_published_report_locks_its_terms_targets(app, client, history, sign_in_as, create_user):
    sign_in_as(Role.SECRETARIAT)
    add(client)
    client.post_form(f"{REPORT}/start", {}, page=REPORT)
    step(client, "send")
    mayor = app.test_client()
    sign_in(mayor, create_user(Role.MAYOR, city="zagreb").email)
    step(mayor, "approve")
    step(client, "publish")
    [locked] = stored(app)
    response = client.post_form(f"{indicators_url()}/{locked.id}/edit", indicator(target="1"))
    assert response.status_code == 200
    assert "its targets stay as they were" in words(response)
    assert stored(app)[0].target == 8


def test_a_share_is_written_as_the_readers_language_writes_a_percentage(
    app, client, history, sign_in_as
):
    sign_in_as(Role.SECRETARIAT)
    add(client, title_en="Turnout", source="computed", measure="election_turnout", target="60")
    assert "At least 60%" in words(client.get(indicators_url()))
    assert "En az %60" in words(client.get(f"{indicators_url()}?lang=tr"))
