"""Working-group forms: shape checks here, the rules in the operations."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from secretariat.forms import (
    LANGUAGE_CHOICES,
    PLANNED,
    TIMEZONE_CHOICES,
    CheckboxesField,
    Form,
    MomentField,
    web_address,
)
from secretariat.working_groups.models import GroupKind

TEXT_LIMIT = 5000
NAME_LIMIT = 200


IN_YOUR_ZONE = _l("In your time zone.")


def _meeting_url() -> StringField:
    return StringField(
        _l("Online meeting link"),
        validators=[Optional(), Length(max=500), web_address],
        description=_l("The address people open to join, starting with https://."),
    )


def _duration() -> IntegerField:
    return IntegerField(
        _l("Length in minutes"),
        default=90,
        validators=[InputRequired(), NumberRange(min=15, max=600)],
    )


class ProposalForm(Form):
    name_en = StringField(
        _l("Name in English"), validators=[DataRequired(), Length(max=NAME_LIMIT)]
    )
    name_tr = StringField(_l("Name in Turkish"), validators=[Optional(), Length(max=NAME_LIMIT)])
    description_en = TextAreaField(
        _l("Description in English"), validators=[Optional(), Length(max=TEXT_LIMIT)]
    )
    description_tr = TextAreaField(
        _l("Description in Turkish"), validators=[Optional(), Length(max=TEXT_LIMIT)]
    )
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(k.value, k.label) for k in GroupKind],
        description=_l("A temporary group closes by itself after its end date."),
    )
    ends_on = DateField(
        _l("End date"),
        validators=[Optional(), PLANNED],
        description=_l("Only for a temporary group."),
    )

    def validate_ends_on(self, field):
        if self.kind.data == GroupKind.TEMPORARY and field.data is None:
            raise ValidationError(_l("A temporary group needs an end date."))


class GroupForm(Form):
    name_en = ProposalForm.name_en
    name_tr = ProposalForm.name_tr
    description_en = ProposalForm.description_en
    description_tr = ProposalForm.description_tr
    ends_on = DateField(
        _l("End date"),
        validators=[Optional(), PLANNED],
        description=_l("Only for a temporary group."),
    )
    meeting_url = _meeting_url()


class NoteForm(Form):
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=TEXT_LIMIT)])


class DeclineForm(Form):
    note = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(), Length(max=TEXT_LIMIT)],
        description=_l("The requester reads this."),
    )


class JoinForm(Form):
    """Staff choose the city; a mayor or delegate joins their own and sees no choice."""

    city = SelectField(_l("City"), validators=[Optional()])


class JoinByNameForm(Form):
    """Staff name the city when too many cities stand outside the group for one list."""

    city = StringField(
        _l("City"),
        validators=[Optional(), Length(max=120)],
        description=_l("The city's short name in addresses, e.g. zagreb."),
    )


class ContactForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=NAME_LIMIT)])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=NAME_LIMIT)])
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(), Email(), Length(max=320)],
        description=_l("The group's invitations and reminders go to this address."),
    )
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=50)])
    language = SelectField(_l("Language of the emails"), choices=LANGUAGE_CHOICES)
    timezone = SelectField(
        _l("Time zone"),
        choices=TIMEZONE_CHOICES,
        default="Europe/Istanbul",
        description=_l("Times in the emails are given in this time zone."),
    )


class RequestForm(Form):
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(), Length(max=TEXT_LIMIT)],
        description=_l(
            "What the group should discuss, and why it cannot wait for the next quarterly session."
        ),
    )
    first_choice = MomentField(
        _l("Proposed date and time"), [InputRequired(), PLANNED], description=IN_YOUR_ZONE
    )
    second_choice = MomentField(
        _l("Another possible date and time"), [Optional(), PLANNED], description=IN_YOUR_ZONE
    )
    third_choice = MomentField(
        _l("A third possible date and time"), [Optional(), PLANNED], description=IN_YOUR_ZONE
    )

    def times(self) -> list[datetime]:
        """The proposed moments, those left empty left out."""
        fields = (self.first_choice, self.second_choice, self.third_choice)
        return [field.data for field in fields if field.data is not None]


class ApproveRequestForm(Form):
    starts_at = MomentField(
        _l("Date and time"), [InputRequired(), PLANNED], description=IN_YOUR_ZONE
    )
    duration_minutes = _duration()
    meeting_url = _meeting_url()
    note = TextAreaField(
        _l("Note for the requester"), validators=[Optional(), Length(max=TEXT_LIMIT)]
    )


class SessionForm(Form):
    title_en = StringField(_l("Title in English"), validators=[DataRequired(), Length(max=300)])
    title_tr = StringField(_l("Title in Turkish"), validators=[Optional(), Length(max=300)])
    starts_at = MomentField(
        _l("Date and time"), [InputRequired(), PLANNED], description=IN_YOUR_ZONE
    )
    duration_minutes = _duration()
    meeting_url = _meeting_url()
    agenda_en = TextAreaField(
        _l("Agenda in English"), validators=[Optional(), Length(max=TEXT_LIMIT)]
    )
    agenda_tr = TextAreaField(
        _l("Agenda in Turkish"), validators=[Optional(), Length(max=TEXT_LIMIT)]
    )


class MinutesForm(Form):
    minutes_en = TextAreaField(
        _l("Minutes in English"), validators=[Optional(), Length(max=20_000)]
    )
    minutes_tr = TextAreaField(
        _l("Minutes in Turkish"), validators=[Optional(), Length(max=20_000)]
    )
    present = CheckboxesField(_l("Cities present"), coerce=int, validate_choice=True)

    def validate_minutes_en(self, field):
        if not field.data and not self.minutes_tr.data:
            raise ValidationError(_l("Write the minutes in English, in Turkish, or in both."))


def city_choices(cities, language: str, value: str = "slug") -> list[SelectChoice]:
    """The cities as a list's choices, named in the reader's language; value: "slug" or "id"."""
    return [SelectChoice(getattr(city, value), city.name_in(language)) for city in cities]
