"""The form layer every domain shares: plausible dates and the shared fields."""

from datetime import date, timedelta

from flask_babel import format_date
from flask_babel import gettext as _
from wtforms import SelectMultipleField, widgets
from wtforms.validators import ValidationError

from secretariat.database import utcnow

# What any date the portal stores or filters by may be: Python, SQLite and PostgreSQL all hold
# these, and a day at either end still converts between time zones without overflowing.
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2199, 12, 31)
FOUNDED = date(2021, 11, 29)  # the Istanbul Summit: the founding members joined that day
HORIZON = timedelta(days=3653)  # how far ahead the secretariat plans: summits, sessions, votes


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
