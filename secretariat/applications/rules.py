"""Application rules that need no database: the review's state machine, references, name cores."""

from flask_babel import lazy_gettext as _l

from secretariat.errors import RuleViolation
from secretariat.i18n import LabelledEnum, current_language


class ApplicationState(LabelledEnum):
    SUBMITTED = "submitted", _l("Submitted")
    UNDER_REVIEW = "under_review", _l("Under review")
    INFO_REQUESTED = "info_requested", _l("Information requested")
    APPROVED = "approved", _l("Approved")
    REJECTED = "rejected", _l("Rejected")
    WITHDRAWN = "withdrawn", _l("Withdrawn by the applicant")


class Action(LabelledEnum):
    SUBMIT = "submit", _l("Submitted")
    START_REVIEW = "start_review", _l("Start the review")
    REQUEST_INFO = "request_info", _l("Ask the applicant a question")
    ANSWER = "answer", _l("Answered the question")
    RESUME_REVIEW = "resume_review", _l("Resume the review")
    APPROVE = "approve", _l("Approve")
    REJECT = "reject", _l("Reject")
    WITHDRAW = "withdraw", _l("Withdraw")


S = ApplicationState
OPEN_STATES = frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.INFO_REQUESTED})

# SPEC §2.2: submitted → under_review → (info_requested ⇄ under_review) → approved | rejected,
# and withdrawn by the applicant while the application is open. Nothing else.
TRANSITIONS: dict[tuple[str, str], ApplicationState] = {
    (S.SUBMITTED, Action.START_REVIEW): S.UNDER_REVIEW,
    (S.UNDER_REVIEW, Action.REQUEST_INFO): S.INFO_REQUESTED,
    (S.INFO_REQUESTED, Action.ANSWER): S.UNDER_REVIEW,
    (S.INFO_REQUESTED, Action.RESUME_REVIEW): S.UNDER_REVIEW,
    (S.UNDER_REVIEW, Action.APPROVE): S.APPROVED,
    (S.UNDER_REVIEW, Action.REJECT): S.REJECTED,
    **{(state, Action.WITHDRAW): S.WITHDRAWN for state in OPEN_STATES},
}
STAFF_ACTIONS = (
    Action.START_REVIEW,
    Action.REQUEST_INFO,
    Action.RESUME_REVIEW,
    Action.APPROVE,
    Action.REJECT,
)
APPLICANT_ACTIONS = (Action.ANSWER, Action.WITHDRAW)
NOTE_REQUIRED = frozenset({Action.REQUEST_INFO, Action.ANSWER, Action.REJECT})


def next_state(state: str, action: str) -> ApplicationState | None:
    """The state action leads to from state, or None when the charter's review does not allow it."""
    return TRANSITIONS.get((state, action))


def allowed_actions(state: str, actions=STAFF_ACTIONS) -> list[Action]:
    return [action for action in actions if (state, action) in TRANSITIONS]


def reference(year: int, number: int) -> str:
    """B40-2026-0007: the year of submission and the application's number within that year."""
    return f"B40-{year}-{number:04d}"


class Duplicate(RuleViolation):
    """The city is already a member, or already has an open application."""


def already_member(city) -> Duplicate:
    return Duplicate(
        _l("%(city)s is already a member of the network.", city=city.name_in(current_language()))
    )


def has_open_application(reference: str) -> Duplicate:
    return Duplicate(
        _l(
            "This city already has an open application (%(reference)s). Please follow it "
            "with the status link you received, or write to the secretariat.",
            reference=reference,
        )
    )
