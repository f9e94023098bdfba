"""Application reads: the queue, an application by reference or token, a city's duplicates."""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from secretariat.applications.models import Application, ApplicationNameClaim
from secretariat.applications.rules import (
    OPEN_STATES,
    ApplicationState,
    Duplicate,
    already_member,
    has_open_application,
)
from secretariat.extensions import db
from secretariat.listing import paginate
from secretariat.members import queries as members
from secretariat.members.models import CityStatus, Country
from secretariat.members.rules import name_cores
from secretariat.security import public_url
from secretariat.text import fold


def by_submission_token(token: str) -> Application | None:
    return db.session.scalar(select(Application).where(Application.submission_token == token))


def by_status_token(token: str) -> Application | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(Application).where(Application.status_token == token))


def application_or_404(reference: str) -> Application:
    """The application with its groups and history, for the staff's review page."""
    return db.one_or_404(
        select(Application)
        .where(Application.reference == reference)
        .options(selectinload(Application.groups), selectinload(Application.events))
    )


def status_link(application: Application) -> str:
    return public_url("applications.show_status", token=application.status_token)


# --- one open application per city (SPEC §2.1) ----------------------------------------------


def claimed_by(keys: str, country_id: int, exclude_id: int | None = None) -> str | None:
    """The reference of the open application that claims one of the spellings of keys."""
    return db.session.scalar(
        select(Application.reference)
        .join(ApplicationNameClaim, ApplicationNameClaim.application_id == Application.id)
        .where(
            ApplicationNameClaim.country_id == country_id,
            ApplicationNameClaim.name_key.in_(sorted(name_cores(keys))),
            Application.id != (exclude_id or 0),
        )
        .limit(1)
    )


def find_duplicate(keys: str, country_id: int, exclude_id: int | None = None) -> Duplicate | None:
    """Why a city may not apply (again): SPEC §2.1 answers a member or an open application."""
    city = members.matching_city(keys, country_id)
    if city is not None and city.status == CityStatus.ACTIVE:
        return already_member(city)
    open_application = claimed_by(keys, country_id, exclude_id)
    if open_application is not None:
        return has_open_application(open_application)
    return None


# --- the secretariat's queue ----------------------------------------------------------------


def queue_page(
    language: str,
    *,
    state: str,
    country_code: str = "",
    query: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict:
    """What applications/queue.html shows: a page of the applications in state ("open", one
    state, or "all") matching the filters, and a tab per state with its count."""
    filters = []
    if country_code:
        code = select(Country.id).where(Country.code == country_code).scalar_subquery()
        filters.append(Application.country_id == code)
    if since:
        filters.append(Application.submitted_at >= since)
    if until:
        filters.append(Application.submitted_at < until)
    if query:
        filters.append(
            Application.search_key.contains(fold(query), autoescape=True)
            | (Application.reference == query)
        )
    counts = dict(
        db.session.execute(
            select(Application.state, func.count()).where(*filters).group_by(Application.state)
        ).all()
    )
    stmt = (
        select(Application)
        .where(*filters)
        .order_by(Application.submitted_at.desc(), Application.id.desc())
    )
    if state == "open":
        stmt = stmt.where(Application.state.in_(OPEN_STATES))
    elif state in set(ApplicationState):
        stmt = stmt.where(Application.state == state)
    else:
        state = "all"
    state_names = {each.value: str(each.label) for each in ApplicationState}
    return {
        "page": paginate(stmt),
        "state": state,
        "state_names": state_names,
        "state_tabs": [
            ("open", _("Open"), sum(counts.get(s, 0) for s in OPEN_STATES)),
            *[(code, name, counts.get(code, 0)) for code, name in state_names.items()],
            ("all", _("All"), sum(counts.values())),
        ],
        "countries": members.countries_by_name(language),
        "country": country_code,
        "q": query,
        "language": language,
    }
