"""The application form, the applicant's answer and withdrawal, and the staff's review forms."""

import re
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from secretariat.forms import CheckboxesField, Form, PlausibleDate, population_field, website_field
from secretariat.i18n import LANGUAGE_NAMES

TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
PHONE_SHAPE = re.compile(r"^\+?[0-9 ()./-]{5,30}$")
# A decision or an approval already given: today at the latest wherever the applicant is, a day
# that UTC may not have reached yet.
TAKEN = PlausibleDate(latest=timedelta(days=1))
MOTIVATION_LIMIT = 5000
NOTE_LIMIT = 5000


class ApplicationForm(Form):
    submission_token = HiddenField(validators=[Regexp(TOKEN_SHAPE)])
    city_name = StringField(
        _l("City name"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("The official name, in the city's own script if you like: Niš, Ниш, Αθήνα."),
    )
    city_name_en = StringField(
        _l("City name in English"), validators=[DataRequired(), Length(max=200)]
    )
    country = SelectField(_l("Country"), validators=[InputRequired()])
    population = population_field()
    website = website_field()
    mayor_name = StringField(_l("Mayor's full name"), validators=[DataRequired(), Length(max=200)])
    mayor_email = EmailField(
        _l("Mayor's email"), validators=[DataRequired(), Email(), Length(max=320)]
    )
    contact_name = StringField(
        _l("Contact person"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("The person the secretariat writes to about this application."),
    )
    contact_position = StringField(_l("Position"), validators=[Optional(), Length(max=200)])
    contact_email = EmailField(
        _l("Contact email"),
        validators=[DataRequired(), Email(), Length(max=320)],
        description=_l("The acknowledgement and every answer from the secretariat go here."),
    )
    contact_phone = StringField(
        _l("Contact phone"),
        validators=[
            Optional(),
            Regexp(PHONE_SHAPE, message=_l("Enter a phone number, for example +90 212 555 01 23.")),
        ],
    )
    language = SelectField(
        _l("Preferred language"),
        choices=list(LANGUAGE_NAMES.items()),
        description=_l("The language of the secretariat's emails to you."),
    )
    groups = CheckboxesField(
        _l("Working groups of interest"),
        description=_l("Choose any; the city can join or leave groups later."),
    )
    motivation = TextAreaField(
        _l("Motivation"),
        validators=[DataRequired(), Length(max=MOTIVATION_LIMIT)],
        description=_l(
            "Why the city wishes to join, and what it would like to share or learn "
            "(at most 5,000 characters)."
        ),
    )
    deciding_body = StringField(
        _l("Deciding body"),
        validators=[Optional(), Length(max=200)],
        description=_l("For example the municipal council."),
    )
    decision_number = StringField(_l("Decision number"), validators=[Optional(), Length(max=100)])
    decision_on = DateField(_l("Decision date"), validators=[Optional(), TAKEN])
    approval_authority = StringField(
        _l("National approval authority"),
        validators=[Optional(), Length(max=200)],
        description=_l(
            "Only for countries that require national approval. A Turkish municipality joins an "
            "international organisation by a decision of its council and with the prior "
            "permission of the competent ministry (Law No. 5393, Articles 74 and 18(p)). Write "
            "the authority's name as it appears on the permission: it has changed over the years."
        ),
    )
    approval_reference = StringField(
        _l("Approval reference"), validators=[Optional(), Length(max=100)]
    )
    approval_on = DateField(_l("Approval date"), validators=[Optional(), TAKEN])
    document = FileField(
        _l("Supporting document"),
        description=_l(
            "Optional: the council decision or the national approval, as one PDF file of at "
            "most 10 MB. Only the secretariat can open it."
        ),
    )
    consent = BooleanField(
        _l("I consent to the processing of these data"),
        validators=[
            DataRequired(
                message=_l("The secretariat can only handle the application with your consent.")
            )
        ],
        description=_l(
            "The secretariat uses these data only to handle the application and, if the city "
            "joins, to keep in touch with it. Membership is free of charge."
        ),
    )


class AnswerForm(Form):
    answer = TextAreaField(_l("Your answer"), validators=[DataRequired(), Length(max=NOTE_LIMIT)])


class WithdrawForm(Form):
    note = TextAreaField(_l("Reason (optional)"), validators=[Optional(), Length(max=NOTE_LIMIT)])
    confirm = BooleanField(
        _l("Yes, withdraw this application"),
        validators=[DataRequired(message=_l("Tick the box to confirm the withdrawal."))],
    )


class ReviewForm(Form):
    note = TextAreaField(
        _l("Note to the applicant"),
        validators=[Length(max=NOTE_LIMIT)],
        description=_l("The applicant reads this note on the status page and in the email."),
    )
    is_note_required = False  # a question, and the reason of a rejection, must be written

    def validate_note(self, field):
        if self.is_note_required and not field.data:
            raise ValidationError(_l("Please write a note for the applicant."))


class ApprovalForm(ReviewForm):
    invite_mayor = BooleanField(_l("Invite the mayor to create an account"), default=True)
    invite_contact = BooleanField(
        _l("Invite the contact person to create an account"), default=True
    )

    def approval_values(self) -> dict:
        """What approve_application takes: the note, and whom to invite ("mayor", "contact")."""
        invited = {"mayor": self.invite_mayor.data, "contact": self.invite_contact.data}
        return {
            "note": self.note.data,
            "invite": tuple(who for who, is_on in invited.items() if is_on),
        }
