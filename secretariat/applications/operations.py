"""Application operations: they flush, audit and queue mail; the caller commits."""

import secrets
from dataclasses import dataclass, field, fields
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from secretariat import audit, mail
from secretariat.accounts import operations as accounts
from secretariat.accounts.queries import find_user
from secretariat.applications.models import (
    Application,
    ApplicationEvent,
    ApplicationNameClaim,
    ReferenceCounter,
)
from secretariat.applications.queries import (
    by_submission_token,
    claimed_by,
    find_duplicate,
    status_link,
)
from secretariat.applications.rules import (
    NOTE_REQUIRED,
    OPEN_STATES,
    Action,
    ApplicationState,
    already_member,
    has_open_application,
    next_state,
    reference,
)
from secretariat.database import claim, insert_missing, utcnow
from secretariat.errors import RuleViolation
from secretariat.extensions import db
from secretariat.members import operations as members
from secretariat.members.models import City, CityStatus, ContactKind, Country, JoinRoute
from secretariat.members.queries import country_by_code, matching_city
from secretariat.members.rules import name_cores
from secretariat.security import Role
from secretariat.text import clean_line, normalise_email, search_keys
from secretariat.working_groups.operations import join_group
from secretariat.working_groups.queries import active_groups


@dataclass
class Submission:
    """What the applicant typed, already checked for shape by the form."""

    city_name: str
    city_name_en: str
    country_code: str
    mayor_name: str
    mayor_email: str
    contact_name: str
    contact_email: str
    language: str
    population: int | None = None
    website: str = ""
    contact_position: str = ""
    contact_phone: str = ""
    motivation: str = ""
    deciding_body: str = ""
    decision_number: str = ""
    decision_on: date | None = None
    approval_authority: str = ""
    approval_reference: str = ""
    approval_on: date | None = None
    group_slugs: list[str] = field(default_factory=list)
    document_file: str = ""
    document_name: str = ""
    document_size: int = 0

    def __post_init__(self):
        """A field the form did not receive comes as None: the text fields hold "" instead."""
        for each in fields(self):
            if each.type == "str" or each.type is str:
                setattr(self, each.name, getattr(self, each.name) or "")
        self.group_slugs = list(self.group_slugs or [])


def _claim_names(application: Application) -> None:
    """Claim every spelling of the application's city, or refuse with the application holding one.

    One open application per city (SPEC §2.1) is the claims' primary key: of requests that race
    for a city, past a read that found it free, the database lets one claim it and the others
    insert nothing (PostgreSQL has them wait for the first to end), and they get the refusal
    the read would have given.
    """
    # in one order, so that two inserts racing over the same spellings cannot deadlock
    cores = sorted(name_cores(application.search_key))
    if not cores:
        return
    rows = [
        {"country_id": application.country_id, "name_key": core, "application_id": application.id}
        for core in cores
    ]
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    claimed = set(
        db.session.scalars(
            dialect.insert(ApplicationNameClaim)
            .values(rows)
            .on_conflict_do_nothing()
            .returning(ApplicationNameClaim.name_key)
        )
    )
    if len(claimed) < len(cores):
        holder = claimed_by(application.search_key, application.country_id, application.id)
        raise has_open_application(holder or "")


def _release_names(application: Application) -> None:
    """A closed application (withdrawn, approved, rejected) no longer holds its city's name."""
    db.session.execute(
        delete(ApplicationNameClaim).where(ApplicationNameClaim.application_id == application.id)
    )


def _next_number(year: int) -> int:
    """The next number of year: one UPDATE, so concurrent submissions queue on the counter row."""
    name = f"applications-{year}"
    insert_missing(db.session, ReferenceCounter, {"name": name, "value": 0})
    db.session.execute(
        update(ReferenceCounter)
        .where(ReferenceCounter.name == name)
        .values(value=ReferenceCounter.value + 1)
    )
    return db.session.scalar(select(ReferenceCounter.value).where(ReferenceCounter.name == name))


def _names(submission: Submission) -> tuple[tuple[str, str], str]:
    names = (clean_line(submission.city_name), clean_line(submission.city_name_en))
    return names, search_keys(*names)


def check_submission(submission: Submission) -> Country:
    """The submission's country, or the refusal submit_application would give, found by reading
    only: an unknown country, a member city, a city with an open application."""
    country = country_by_code(submission.country_code)
    duplicate = find_duplicate(_names(submission)[1], country.id)
    if duplicate is not None:
        raise duplicate
    return country


def submit_application(submission: Submission, submission_token: str) -> Application:
    """A new application with its reference, or the one this form already created.

    The form's one-time token is unique in the table: a double click, a resubmitted page or
    four racing requests give one application (the view looks it up after a lost race). Forms
    racing for one city are settled by the city's name claims (_claim_names).
    """
    existing = by_submission_token(submission_token)
    if existing is not None:
        return existing
    country = check_submission(submission)
    names, keys = _names(submission)
    now = utcnow()
    number = _next_number(now.year)
    application = Application(
        year=now.year,
        number=number,
        reference=reference(now.year, number),
        status_token=secrets.token_urlsafe(32),
        submission_token=submission_token,
        state=ApplicationState.SUBMITTED,
        submitted_at=now,
        updated_at=now,
        city_name=names[0],
        city_name_en=names[1],
        country=country,
        population=submission.population,
        website=submission.website.strip(),
        mayor_name=clean_line(submission.mayor_name),
        mayor_email=normalise_email(submission.mayor_email),
        contact_name=clean_line(submission.contact_name),
        contact_position=clean_line(submission.contact_position),
        contact_email=normalise_email(submission.contact_email),
        contact_phone=clean_line(submission.contact_phone),
        language=submission.language,
        motivation=submission.motivation.strip(),
        deciding_body=clean_line(submission.deciding_body),
        decision_number=clean_line(submission.decision_number),
        decision_on=submission.decision_on,
        approval_authority=clean_line(submission.approval_authority),
        approval_reference=clean_line(submission.approval_reference),
        approval_on=submission.approval_on,
        document_file=submission.document_file,
        document_name=submission.document_name,
        document_size=submission.document_size,
        consented_at=now,
        search_key=keys,
        groups=active_groups(submission.group_slugs),
    )
    db.session.add(application)
    db.session.flush()
    _claim_names(application)
    _record(application, None, Action.SUBMIT, "")
    mail.queue(
        application.contact_email,
        _l("B40 application %(reference)s received", reference=application.reference),
        "application_received",
        application.language,
        application=application,
        link=status_link(application),
    )
    return application


def _record(application: Application, actor, action: str, note: str) -> None:
    db.session.add(
        ApplicationEvent(
            application=application,
            actor_id=actor.id if actor is not None else None,
            by_applicant=actor is None,
            action=action,
            state=application.state,
            note=note,
        )
    )
    audit.record(
        actor,
        f"application.{action}",
        application,
        after={"state": application.state, "note": note},
        actor_label=f"applicant {application.contact_email}",
    )


def _move(application: Application, actor, action: str, note: str) -> ApplicationState:
    """Take one step of the review; a step the charter does not allow is refused, and so is one
    that raced another (the conditional UPDATE matches no row)."""
    note = (note or "").strip()
    target = next_state(application.state, action)
    if target is None:
        raise RuleViolation(
            _l(
                "An application that is “%(state)s” cannot take this step.",
                state=application.state_label,
            )
        )
    if action in NOTE_REQUIRED and not note:
        raise RuleViolation(_l("Please write a note for the applicant."))
    still = Application.state == application.state
    if not claim(db.session, application, still, state=target, updated_at=utcnow()):
        raise RuleViolation(_l("Someone else changed this application meanwhile. Please reload."))
    if target not in OPEN_STATES:
        _release_names(application)
    _record(application, actor, action, note)
    mail.queue(
        application.contact_email,
        _l(
            "B40 application %(reference)s: %(state)s",
            reference=application.reference,
            state=application.state_label,
        ),
        "application_update",
        application.language,
        application=application,
        action=action,
        note=note,
        link=status_link(application),
    )
    return target


def review(actor, application: Application, action: str, note: str = "") -> None:
    """Staff move an application on (start, question, resume, reject); approval has its own."""
    if action == Action.APPROVE:
        raise RuleViolation(_l("Use the approval form to approve an application."))
    _move(application, actor, action, note)


def answer_question(application: Application, answer: str) -> None:
    """The applicant answers the secretariat's question; the review goes on."""
    _move(application, None, Action.ANSWER, answer)


def withdraw_application(application: Application, note: str = "") -> None:
    _move(application, None, Action.WITHDRAW, note)


@dataclass
class Admission:
    city: City
    invited: list[str] = field(default_factory=list)
    had_accounts: list[str] = field(default_factory=list)


def approve_application(
    actor, application: Application, note: str = "", invite: tuple[str, ...] = ()
) -> Admission:
    """Approve, and make the city a member (SPEC §2.2): created, or reactivated if it withdrew,
    joining by application today, with its mayor, contacts and working groups. invite holds
    "mayor" and/or "contact": those people get a one-time link (7 days) to create an account."""
    _move(application, actor, Action.APPROVE, note)
    today = utcnow().date()
    city = matching_city(application.search_key, application.country_id)
    if city is not None and city.status == CityStatus.ACTIVE:
        raise already_member(city)
    if city is not None:
        members.reactivate_city(actor, city, today, JoinRoute.APPLICATION)
    else:
        city = members.create_city(
            actor,
            official_name=application.city_name,
            english_name=application.city_name_en,
            country_code=application.country.code,
            joined_on=today,
            join_route=JoinRoute.APPLICATION,
            population=application.population,
            website=application.website,
        )
    application.city = city
    members.record_mayor(actor, city, application.mayor_name, today)
    members.add_contact(
        actor,
        city,
        kind=ContactKind.MAYOR,
        name=application.mayor_name,
        email=application.mayor_email,
    )
    members.add_contact(
        actor,
        city,
        kind=ContactKind.FOCAL_POINT,
        name=application.contact_name,
        position=application.contact_position,
        email=application.contact_email,
        phone=application.contact_phone,
    )
    for group in application.groups:
        join_group(actor, group, city, today)
    admission = Admission(city)
    people = {
        "mayor": (application.mayor_email, application.mayor_name, Role.MAYOR),
        "contact": (application.contact_email, application.contact_name, Role.DELEGATE),
    }
    for who in ("mayor", "contact"):
        email, name, role = people[who]
        if who not in invite or email in admission.invited:
            continue
        if find_user(email) is not None:
            admission.had_accounts.append(email)
            continue
        accounts.invite_user(actor, email, name, role, city.slug, application.language)
        admission.invited.append(email)
    return admission
