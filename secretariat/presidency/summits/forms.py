"""Summit, agenda, delegation, attendance and checklist forms: shape here, the rules in operations."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.validators import ValidationError as Invalid

from secretariat.forms import PLANNED, CheckboxesField, Form, MomentField
from secretariat.i18n import current_language
from secretariat.presidency.models import Delegation, OwnerSide
from secretariat.presidency.rules import names_of
from secretariat.presidency.summits import queries

TITLE_LIMIT = 300
NAMES_LIMIT = 5000
MOST_PEOPLE = 500


def _a_title(form) -> None:
    if not form.title_en.data and not form.title_tr.data:
        raise Invalid(_l("Give a title in English, in Turkish, or in both."))


class SummitForm(Form):
    starts_on = DateField(_l("First day"), validators=[Optional(), PLANNED])
    ends_on = DateField(_l("Last day"), validators=[Optional(), PLANNED])
    venue = StringField(_l("Venue"), validators=[Optional(), Length(max=TITLE_LIMIT)])
    theme_en = StringField(_l("Theme in English"), validators=[Optional(), Length(max=TITLE_LIMIT)])
    theme_tr = StringField(_l("Theme in Turkish"), validators=[Optional(), Length(max=TITLE_LIMIT)])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        starts, ends = self.starts_on, self.ends_on
        if starts.errors or ends.errors:
            return valid
        if (starts.data is None) != (ends.data is None):
            ends.errors.append(_l("Give both the first and the last day of the summit."))
            return False
        if starts.data is not None and ends.data < starts.data:
            ends.errors.append(_l("The last day cannot come before the first day."))
            return False
        return valid


class AgendaItemForm(Form):
    title_en = StringField(_l("Title in English"), validators=[Length(max=TITLE_LIMIT)])
    title_tr = StringField(_l("Title in Turkish"), validators=[Optional(), Length(max=TITLE_LIMIT)])
    starts_at = MomentField(
        _l("Time"),
        validators=[Optional(), PLANNED],
        description=_l("Optional; in your time zone."),
    )

    def validate_title_en(self, field):
        _a_title(self)


class DelegationForm(Form):
    people = IntegerField(
        _l("Number of people"),
        validators=[InputRequired(), NumberRange(min=1, max=MOST_PEOPLE)],
    )
    names = TextAreaField(
        _l("Names"),
        validators=[Optional(), Length(max=NAMES_LIMIT)],
        description=_l("One person a line. Only signed-in members and staff see the names."),
    )

    def validate_names(self, field):
        people = self.people.data
        if (
            isinstance(people, int)
            and not self.people.errors
            and len(names_of(field.data)) > people
        ):
            raise Invalid(
                _l(
                    "More names are listed than the number of people: please correct one or the other."
                )
            )


class NonMemberFields:
    """A Balkan city that is not a member: its names and country."""

    city_name = StringField(
        _l("City name"),
        validators=[Optional(), Length(max=200)],
        description=_l("The official name, in the city's own script if you like: Niš, Ниш, Αθήνα."),
    )
    city_name_en = StringField(_l("City name in English"), validators=[Length(max=200)])
    country = SelectField(_l("Country"))


class StaffDelegationForm(NonMemberFields, DelegationForm):
    city = SelectField(
        _l("Member city"),
        description=_l("Or leave this empty and name a Balkan city that is not a member below."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.city.choices = queries.member_choices(current_language())
        self.country.choices = queries.country_choices(current_language())

    def validate_city_name_en(self, field):
        if not self.city.data and not field.data:
            raise Invalid(_l("Choose a member city, or give the city's name in English."))

    def validate_country(self, field):
        if not self.city.data and not field.data:
            raise Invalid(_l("Choose the country of the city."))


class NonMemberDelegationForm(NonMemberFields, DelegationForm):
    """A non-member's delegation, its names and country as staff may correct them."""

    def __init__(self, delegation: Delegation, **kwargs):
        super().__init__(obj=delegation, **kwargs)
        self.country.choices = queries.country_choices(current_language())
        if not self.is_submitted() and delegation.country is not None:
            self.country.data = delegation.country.code

    def validate_city_name_en(self, field):
        if not field.data:
            raise Invalid(_l("Give the city's name in English."))

    def validate_country(self, field):
        if not field.data:
            raise Invalid(_l("Choose the country of the city."))


class AttendanceForm(Form):
    """The delegations registered for a summit, every one ticked until staff say otherwise."""

    attended = CheckboxesField(_l("Delegations that attended"), coerce=int)
    confirm = BooleanField(
        _l("This is the final list of the cities that attended"),
        validators=[DataRequired(message=_l("Tick the box to confirm the list."))],
        description=_l(
            "Cities that are not members and attended become members from the summit's first "
            "day. The list cannot be changed afterwards."
        ),
    )

    def __init__(self, delegations: list[Delegation], **kwargs):
        super().__init__(attended=[d.id for d in delegations], **kwargs)
        language = current_language()
        self.attended.choices = [SelectChoice(d.id, _label(d, language)) for d in delegations]


def _label(delegation: Delegation, language: str) -> str:
    if delegation.city is not None:
        return delegation.city.name_in(language)
    return delegation.city_name_en


class TaskForm(Form):
    title_en = StringField(_l("Task in English"), validators=[Length(max=TITLE_LIMIT)])
    title_tr = StringField(_l("Task in Turkish"), validators=[Optional(), Length(max=TITLE_LIMIT)])
    owner_side = SelectField(
        _l("Responsible"),
        choices=[SelectChoice(side.value, side.label) for side in OwnerSide],
        default=OwnerSide.TOGETHER.value,
    )
    owner = StringField(
        _l("Person in charge"),
        validators=[Optional(), Length(max=200)],
        description=_l("Optional."),
    )
    due_on = DateField(_l("Due date"), validators=[Optional(), PLANNED])

    def validate_title_en(self, field):
        _a_title(self)
