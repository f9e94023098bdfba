"""Account forms: shape checks here, the rules in operations and rules.py."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from secretariat.accounts.queries import check_city
from secretariat.accounts.rules import MAX_LENGTH, password_problems
from secretariat.errors import RuleViolation
from secretariat.forms import LANGUAGE_CHOICES, TIMEZONE_CHOICES, Form
from secretariat.security import Role


def _role_choices():
    return [SelectChoice(role.value, role.label) for role in Role]


class SignInForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=320)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])
    next = HiddenField()


class NewPasswordForm(Form):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
        description=_l("At least 12 characters. A few unrelated words make a good password."),
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )
    owner_email = ""
    owner_name = ""

    def __init__(self, *args, owner=None, **kwargs):
        """owner: the user whose password this is; it may not be their name or email."""
        super().__init__(*args, **kwargs)
        if owner is not None:
            self.owner_email, self.owner_name = owner.email, owner.name

    def validate_password(self, field):
        problems = password_problems(field.data, self.owner_email, self.owner_name)
        if problems:
            raise ValidationError(problems[0])


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=MAX_LENGTH)]
    )


class ForgotPasswordForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=320)])


class ProfileForm(Form):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    timezone = SelectField(
        _l("Time zone"),
        choices=TIMEZONE_CHOICES,
        description=_l("Dates and times are shown in this time zone."),
    )


class RoleFields:
    """Role and city, with the rule that mayors and delegates name their city."""

    def validate_city_slug(self, field):
        try:
            check_city(self.role.data, field.data)
        except RuleViolation as refused:
            raise ValidationError(refused.message) from None


class InviteForm(RoleFields, Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=320)])
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Role"), choices=_role_choices)
    city_slug = StringField(
        _l("City"),
        validators=[Optional(), Length(max=120)],
        description=_l(
            "For mayors and delegates: the city's short name in addresses, e.g. zagreb."
        ),
    )
    language = SelectField(_l("Language of the invitation"), choices=LANGUAGE_CHOICES)


class RoleForm(RoleFields, Form):
    role = SelectField(_l("Role"), choices=_role_choices)
    city_slug = StringField(_l("City"), validators=[Optional(), Length(max=120)])
