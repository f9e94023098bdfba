"""Election forms: shape checks here, the rules in operations."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from secretariat.elections.models import Mode
from secretariat.forms import PLANNED, CheckboxesField, Form, MomentField

SCHEDULE = ("mode", "nominations_open_at", "voting_opens_at", "voting_closes_at")


class ScheduleForm(Form):
    mode = SelectField(_l("How the vote is held"), choices=[(m.value, m.label) for m in Mode])
    nominations_open_at = MomentField(_l("Nominations open"), [Optional(), PLANNED])
    voting_opens_at = MomentField(_l("Voting opens"), [Optional(), PLANNED])
    voting_closes_at = MomentField(
        _l("Voting closes"),
        [Optional(), PLANNED],
        description=_l(
            "Leave a date empty to move that phase by hand. Times are in your time zone."
        ),
    )


class ElectionForm(ScheduleForm):
    summit = SelectField(
        _l("Summit"),
        coerce=int,
        validators=[DataRequired(message=_l("Choose the summit the election is held at."))],
    )


class NominationForm(Form):
    city = SelectField(
        _l("City nominated in the summit hall"),
        coerce=int,
        validators=[DataRequired(message=_l("Choose a city."))],
    )


class AuthorisationForm(Form):
    delegate = SelectField(
        _l("Delegate"),
        coerce=int,
        validators=[DataRequired(message=_l("Choose a delegate."))],
        description=_l("This delegate may cast your city's vote in this election only."),
    )


class BallotForm(Form):
    choice = RadioField(
        _l("Your vote"), validators=[InputRequired(message=_l("Choose one option."))]
    )


class ConfirmForm(Form):
    choice = HiddenField(validators=[InputRequired(), Length(max=20)])
    confirm = SubmitField(_l("Confirm my vote"))
    change = SubmitField(_l("Change"))


class LotsForm(Form):
    drawn = CheckboxesField(_l("Drawn by lot"), coerce=int)
    note = TextAreaField(
        _l("How the lots were drawn"),
        validators=[DataRequired(message=_l("Describe the drawing.")), Length(max=2000)],
        description=_l("Where and how the lots were drawn, and who witnessed it."),
    )


class SecondRoundForm(Form):
    closes_at = MomentField(
        _l("The second round closes"),
        [Optional(), PLANNED],
        description=_l("Leave empty to close it by hand."),
    )


class PaperForm(Form):
    voted = CheckboxesField(_l("Cities that voted"), coerce=int)

    def totals(self) -> dict[str, int]:
        """{option: votes} of the number fields paper_form() added, one per option."""
        return {
            name.removeprefix("votes_"): field.data
            for name, field in self._fields.items()
            if name.startswith("votes_")
        }


def paper_form(options: list[tuple[str, str]], **kwargs) -> PaperForm:
    """The paper-results form with one number field per option of the ballot (choice, label)."""

    class Paper(PaperForm):
        pass

    for choice, label in options:
        setattr(
            Paper,
            f"votes_{choice}",
            IntegerField(
                label,
                validators=[
                    InputRequired(message=_l("Enter a number, zero or more.")),
                    NumberRange(min=0, max=100_000),
                ],
            ),
        )
    return Paper(**kwargs)
