"""Election forms: shape checks here, the rules in operations."""

from datetime import UTC

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from secretariat.elections.models import Mode
from secretariat.forms import PLANNED, CheckboxesField
from secretariat.i18n import select_timezone, zone

MOMENT = "%Y-%m-%dT%H:%M"


def moment_field(label, description=None) -> DateTimeLocalField:
    return DateTimeLocalField(
        label,
        format=MOMENT,
        validators=[Optional(), PLANNED],
        description=description,
    )


def in_utc(value):
    """A moment typed in the viewer's time zone, stored in UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=zone(select_timezone())).astimezone(UTC)


def in_viewer_zone(value):
    if value is None:
        return None
    return value.astimezone(zone(select_timezone())).replace(tzinfo=None)


class ScheduleForm(FlaskForm):
    mode = SelectField(_l("How the vote is held"), choices=[(m.value, m.label) for m in Mode])
    nominations_open_at = moment_field(_l("Nominations open"))
    voting_opens_at = moment_field(_l("Voting opens"))
    voting_closes_at = moment_field(
        _l("Voting closes"),
        _l("Leave a date empty to move that phase by hand. Times are in your time zone."),
    )

    def fill(self, election) -> None:
        self.mode.data = election.mode
        self.nominations_open_at.data = in_viewer_zone(election.nominations_open_at)
        self.voting_opens_at.data = in_viewer_zone(election.voting_opens_at)
        self.voting_closes_at.data = in_viewer_zone(election.voting_closes_at)


class ElectionForm(ScheduleForm):
    summit = SelectField(
        _l("Summit"),
        coerce=int,
        validators=[DataRequired(message=_l("Choose the summit the election is held at."))],
    )


class NominationForm(FlaskForm):
    city = SelectField(
        _l("City nominated in the summit hall"),
        coerce=int,
        validators=[DataRequired(message=_l("Choose a city."))],
    )


class AuthorisationForm(FlaskForm):
    delegate = SelectField(
        _l("Delegate"),
        coerce=int,
        validators=[DataRequired(message=_l("Choose a delegate."))],
        description=_l("This delegate may cast your city's vote in this election only."),
    )


class BallotForm(FlaskForm):
    choice = RadioField(
        _l("Your vote"), validators=[InputRequired(message=_l("Choose one option."))]
    )


class ConfirmForm(FlaskForm):
    choice = HiddenField(validators=[InputRequired(), Length(max=20)])
    confirm = SubmitField(_l("Confirm my vote"))
    change = SubmitField(_l("Change"))


class LotsForm(FlaskForm):
    drawn = CheckboxesField(_l("Drawn by lot"), coerce=int)
    note = TextAreaField(
        _l("How the lots were drawn"),
        validators=[DataRequired(message=_l("Describe the drawing.")), Length(max=2000)],
        description=_l("Where and how the lots were drawn, and who witnessed it."),
    )


class SecondRoundForm(FlaskForm):
    closes_at = moment_field(_l("The second round closes"), _l("Leave empty to close it by hand."))


class PaperForm(FlaskForm):
    voted = CheckboxesField(_l("Cities that voted"), coerce=int)


def paper_form(options: list[tuple[str, str]], **kwargs) -> PaperForm:
    """The paper-results form with one number field per option of the ballot (choice, label)."""

    class Form(PaperForm):
        pass

    for choice, label in options:
        setattr(
            Form,
            f"votes_{choice}",
            IntegerField(
                label,
                validators=[
                    InputRequired(message=_l("Enter a number, zero or more.")),
                    NumberRange(min=0, max=100_000),
                ],
            ),
        )
    return Form(**kwargs)
