"""Reports forms: an indicator of a term, a figure recorded for it, the narrative and a step."""

import math
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from wtforms import DateField, FloatField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from secretariat.forms import FOUNDED, Form, PlausibleDate
from secretariat.i18n import localized
from secretariat.reports.models import TITLE_LIMIT, UNIT_LIMIT
from secretariat.reports.rules import COMMENT_NEEDED, Direction, Measure, Source, note_field

TEXT_LIMIT = 2000
NARRATIVE_LIMIT = 20_000
LARGEST = 1_000_000_000


def finite(form, field) -> None:
    """NaN and infinity parse as floats and pass every range check: refuse them first."""
    if field.data is not None and not math.isfinite(field.data):
        raise ValidationError(_l("Enter a number."))


def _number(label, description=None) -> FloatField:
    return FloatField(
        label,
        validators=[InputRequired(), finite, NumberRange(min=0, max=LARGEST)],
        description=description,
    )


def _choices(enum) -> list[SelectChoice]:
    return [SelectChoice(member.value, member.label) for member in enum]


class IndicatorForm(Form):
    title_en = StringField(_l("Title in English"), validators=[Length(max=TITLE_LIMIT)])
    title_tr = StringField(_l("Title in Turkish"), validators=[Length(max=TITLE_LIMIT)])
    description_en = TextAreaField(
        _l("Description in English"), validators=[Optional(), Length(max=TEXT_LIMIT)]
    )
    description_tr = TextAreaField(
        _l("Description in Turkish"), validators=[Optional(), Length(max=TEXT_LIMIT)]
    )
    unit_en = StringField(
        _l("Unit in English"),
        validators=[Length(max=UNIT_LIMIT)],
        description=_l("What the figure counts, such as cities or sessions."),
    )
    unit_tr = StringField(_l("Unit in Turkish"), validators=[Length(max=UNIT_LIMIT)])
    target = _number(_l("Target"))
    direction = SelectField(_l("The target is met by"), choices=_choices(Direction))
    source = SelectField(_l("The figure is"), choices=_choices(Source))
    measure = SelectField(
        _l("What the portal counts"),
        choices=[SelectChoice("", _l("— (a figure staff enter)")), *_choices(Measure)],
    )
    working_group_id = SelectField(
        _l("Working group"),
        coerce=lambda value: int(value) if value not in ("", None) else None,
        validators=[Optional()],
        description=_l("Only for the session measures: count one group, or leave it empty."),
    )

    def __init__(self, groups, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.working_group_id.choices = [
            SelectChoice("", _l("All groups")),
            *(SelectChoice(str(group.id), localized(group, "name").text) for group in groups),
        ]

    def validate_title_en(self, field) -> None:
        if not field.data and not self.title_tr.data:
            raise ValidationError(_l("Give the indicator a title in English or in Turkish."))

    def validate_measure(self, field) -> None:
        if self.source.data == Source.COMPUTED and not field.data:
            raise ValidationError(_l("Choose what the portal counts for a computed figure."))


class FigureForm(Form):
    value = _number(_l("Figure"))
    recorded_on = DateField(
        _l("Day of the figure"),
        validators=[InputRequired(), PlausibleDate(FOUNDED, timedelta(0))],
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=TEXT_LIMIT)])


def _text(label) -> TextAreaField:
    return TextAreaField(label, validators=[Optional(), Length(max=NARRATIVE_LIMIT)])


class NarrativeForm(Form):
    foreword_en = _text(_l("Foreword from the presidency, in English"))
    foreword_tr = _text(_l("Foreword from the presidency, in Turkish"))
    highlights_en = _text(_l("Highlights of the year, in English"))
    highlights_tr = _text(_l("Highlights of the year, in Turkish"))
    outlook_en = _text(_l("Outlook, in English"))
    outlook_tr = _text(_l("Outlook, in Turkish"))


def narrative_form(groups, **kwargs) -> NarrativeForm:
    """The narrative form with a note on each of groups ((id, name) pairs) in both languages."""

    class WithNotes(NarrativeForm):
        pass

    for group_id, name in groups:
        for code, label in (
            ("en", _l("Note on %(group)s, in English", group=name)),
            ("tr", _l("Note on %(group)s, in Turkish", group=name)),
        ):
            setattr(WithNotes, note_field(group_id, code), _text(label))
    return WithNotes(**kwargs)


class StepForm(Form):
    comment = TextAreaField(
        _l("Comment"),
        validators=[Length(max=TEXT_LIMIT)],
        description=_l("The other side reads it in the mail that tells them of this step."),
    )

    def __init__(self, step, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.step = step

    def validate_comment(self, field) -> None:
        if self.step is not None and self.step.needs_comment and not field.data:
            raise ValidationError(COMMENT_NEEDED)
