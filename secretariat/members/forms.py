"""Member-city forms: shape checks here, the rules in operations."""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from secretariat.errors import RuleViolation
from secretariat.forms import FOUNDED, Form, PlausibleDate, population_field, website_field
from secretariat.members.models import ContactKind, JoinRoute
from secretariat.members.queries import is_country_code_taken
from secretariat.members.rules import check_mayor_start


class CityForm(Form):
    official_name = StringField(
        _l("Official name"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("As the city writes it, in its own script: Niš, Ниш, Αθήνα."),
    )
    english_name = StringField(
        _l("City name in English"), validators=[DataRequired(), Length(max=200)]
    )
    turkish_name = StringField(
        _l("Turkish name"),
        validators=[Optional(), Length(max=200)],
        description=_l("Only where Turkish uses its own name: Atina, Saraybosna, Üsküp."),
    )
    aliases = TextAreaField(
        _l("Other names"),
        validators=[Optional(), Length(max=2000)],
        description=_l(
            "One a line: exonyms, transliterations, former names. Search finds them all."
        ),
    )
    country = SelectField(_l("Country"))
    population = population_field()
    website = website_field()
    joined_on = DateField(
        _l("Member since"), validators=[DataRequired(), PlausibleDate(FOUNDED, timedelta(0))]
    )
    join_route = SelectField(
        _l("How it joined"), choices=[SelectChoice(r.value, r.label) for r in JoinRoute]
    )

    def city_values(self) -> dict:
        """What update_city takes: the country by its code, the other names one a line."""
        values = self.values()
        values["country_code"] = values.pop("country")
        values["aliases"] = tuple(values.pop("aliases").splitlines())
        return values


class WithdrawalForm(Form):
    withdrawn_on = DateField(
        _l("Withdrawn on"), validators=[DataRequired(), PlausibleDate(FOUNDED, timedelta(0))]
    )


class ContactForm(Form):
    kind = SelectField(_l("Role"), choices=[SelectChoice(k.value, k.label) for k in ContactKind])
    working_group = SelectField(_l("Working group"))
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[Optional(), Email(), Length(max=320)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=50)])

    def validate_working_group(self, field):
        if self.kind.data == ContactKind.WORKING_GROUP and not field.data:
            raise ValidationError(_l("Choose the working group this person is the contact for."))

    def contact_values(self) -> dict:
        """What add_contact takes: the working group only for a working group's contact."""
        is_for_group = self.kind.data == ContactKind.WORKING_GROUP
        return {
            **self.values("kind", "name", "position", "email", "phone"),
            "working_group_id": int(self.working_group.data) if is_for_group else None,
        }


class MayorForm(Form):
    """A new mayor of city; the date is checked against the present mayor's before it is sent."""

    name = StringField(_l("Mayor's full name"), validators=[DataRequired(), Length(max=200)])
    since = DateField(
        _l("In office since"),
        validators=[DataRequired(), PlausibleDate(latest=timedelta(days=366))],
        description=_l("The previous mayor's period ends the day before."),
    )

    def __init__(self, city, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.city = city

    def validate_since(self, field):
        try:
            check_mayor_start(self.city, field.data)
        except RuleViolation as refusal:
            raise ValidationError(str(refusal.message)) from None


class CountryForm(Form):
    """A country's names and whether new applications and cities may choose it."""

    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=100)])
    name_tr = StringField(_l("Name in Turkish"), validators=[DataRequired(), Length(max=100)])
    is_active = BooleanField(
        _l("Active"),
        default=True,
        description=_l(
            "Only active countries are offered on the application and city forms. "
            "Cities already in an inactive country keep it."
        ),
    )


class NewCountryForm(CountryForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Regexp(
                r"^[A-Za-z]{2}$",
                message=_l("Enter the two-letter country code, such as HR (Kosovo: XK)."),
            ),
        ],
        description=_l("The two-letter ISO 3166 code, such as HR; Kosovo is XK."),
    )

    def validate_code(self, field):
        if is_country_code_taken(field.data):
            raise ValidationError(_l("A country with this code already exists."))
