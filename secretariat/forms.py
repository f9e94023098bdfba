"""The form layer every domain shares: the base form, plausible dates and the shared fields."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import available_timezones

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import (
    DateTimeLocalField,
    IntegerField,
    PasswordField,
    SelectMultipleField,
    StringField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, Length, NumberRange, Optional, ValidationError

from secretariat.database import utcnow
from secretariat.i18n import LANGUAGE_NAMES, select_timezone, zone

# What any date the portal stores or filters by may be: Python, SQLite and PostgreSQL all hold
# these, and a day at either end still converts between time zones without overflowing.
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2199, 12, 31)
FOUNDED = date(2021, 11, 29)  # the Istanbul Summit: the founding members joined that day
HORIZON = timedelta(days=3653)  # how far ahead the secretariat plans: summits, sessions, votes


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class QuickSelect(widgets.Select):
    """wtforms' select with the plain option written directly, the same HTML: a list of zones
    has hundreds of options, and a form shown again after an error draws every one."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw or isinstance(choice.value, bool):
            return super().render_option(choice, **kwargs)
        selected = " selected" if choice.selected else ""
        value, label = escape(choice.value), escape(choice.label or choice.value)
        return Markup(f'<option{selected} value="{value}">{label}</option>')  # noqa: S704  # nosec B704 - escaped above


QUICK_SELECT = QuickSelect()


class Form(FlaskForm):
    """The base of every form: what people type is stripped (a password is taken as typed), and
    values() hands an operation the fields by name, without the CSRF token or the buttons."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            if not issubclass(unbound_field.field_class, PasswordField):
                filters = [_strip, *unbound_field.kwargs.get("filters", ())]
                options = {**options, "filters": filters}
            if type(unbound_field.field_class.widget) is widgets.Select and not (
                unbound_field.field_class.widget.multiple or "widget" in unbound_field.kwargs
            ):
                options = {**options, "widget": QUICK_SELECT}
            return unbound_field.bind(form=form, **options)

    def values(self, *names: str) -> dict:
        """{name: data} of the named fields, or of every field the person fills in."""
        chosen = names or [
            name
            for name, field in self._fields.items()
            if name != "csrf_token" and field.type not in ("SubmitField", "CSRFTokenField")
        ]
        return {name: self._fields[name].data for name in chosen}


class MomentField(DateTimeLocalField):
    """A date and time typed in the viewer's time zone; its data is the moment in UTC.

    The one converter between what a person reads on the clock and what the database stores,
    both ways: a stored moment comes back into the field as the viewer's local time.
    """

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format="%Y-%m-%dT%H:%M", **kwargs)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None:
            try:
                self.data = self.data.replace(tzinfo=zone(select_timezone())).astimezone(UTC)
            except OverflowError:  # a moment past the calendar's last day in UTC
                self.data = None
                raise ValueError(_("Enter a valid date and time.")) from None

    def _value(self):
        if isinstance(self.data, datetime) and self.data.tzinfo is not None:
            return self.data.astimezone(zone(select_timezone())).strftime("%Y-%m-%dT%H:%M")
        return super()._value()


def bounded_day(value: str | None) -> date | None:
    """A yyyy-mm-dd typed into a filter or an address, or None when it is no plausible day."""
    if not value or len(value) != 10:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if EARLIEST_DAY <= day <= LATEST_DAY else None


class PlausibleDate:
    """A date (or the day of a date and time) between earliest and latest, both included.

    latest may be a timedelta from today (timedelta(0): not in the future), so a withdrawal or
    a mayor's first day cannot lie decades ahead; the defaults are what the portal can store.
    """

    def __init__(self, earliest: date = EARLIEST_DAY, latest: date | timedelta = LATEST_DAY):
        self.earliest = earliest
        self.latest = latest

    def __call__(self, form, field) -> None:
        if field.data is None:
            return
        day = field.data.date() if hasattr(field.data, "date") else field.data
        latest = self.latest
        if isinstance(latest, timedelta):
            latest = utcnow().date() + latest
        if not self.earliest <= day <= latest:
            raise ValidationError(
                _(
                    "Enter a date between %(earliest)s and %(latest)s.",
                    earliest=format_date(self.earliest),
                    latest=format_date(latest),
                )
            )


PLANNED = PlausibleDate(FOUNDED, HORIZON)  # a day the secretariat plans: summit, session, vote


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


TIMEZONES = sorted(
    zone for zone in available_timezones() if zone.startswith(("Europe/", "Asia/", "UTC"))
)
LANGUAGE_CHOICES = [SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()]
TIMEZONE_CHOICES = [SelectChoice(zone) for zone in TIMEZONES]


def web_address(form, field):
    """Only http(s): a javascript: address must never become a link on a page."""
    if field.data and not field.data.startswith(("https://", "http://")):
        raise ValidationError(_l("Enter a web address starting with https://."))


def population_field() -> IntegerField:
    return IntegerField(
        _l("Population"), validators=[Optional(), NumberRange(min=0, max=100_000_000)]
    )


def website_field() -> StringField:
    return StringField(
        _l("Official website"),
        validators=[
            Optional(),
            Length(max=300),
            URL(require_tld=True, message=_l("Enter a web address starting with https://.")),
            web_address,
        ],
    )
