"""What every template may use: navigation by role, the language switcher, localized content."""

from urllib.parse import quote, urlencode

from babel.dates import get_timezone_location
from flask import request
from flask_babel import format_date, format_time, get_locale, get_timezone
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from secretariat import markup
from secretariat.i18n import LANGUAGE_NAMES, current_language, localized
from secretariat.security import STAFF, Role, public_adapter, public_url

PUBLIC_NAV = [
    ("site.show_home", _l("Home")),
    ("members.list_cities", _l("Members")),
    ("working_groups.list_groups", _l("Working groups")),
    ("presidency.show_presidency", _l("Presidency")),
    ("presidency.list_summits", _l("Summits")),
    ("elections.list_elections", _l("Elections")),
    ("applications.submit_application", _l("Apply")),
]
SIGNED_IN_NAV = [("accounts.edit_profile", _l("Profile"))]
STAFF_NAV = [
    ("applications.list_applications", _l("Applications")),
    ("working_groups.list_session_requests", _l("Session requests")),
    ("accounts.list_users", _l("Users")),
    ("site.show_audit_log", _l("Audit log")),
    ("site.list_messages", _l("Outbox")),
]
ADMIN_NAV = [("members.list_countries", _l("Countries"))]


def navigation() -> list[tuple[str, object]]:
    """The links the header shows, following the signed-in role."""
    items = list(PUBLIC_NAV)
    if current_user.is_authenticated:
        items += SIGNED_IN_NAV
        if current_user.role in STAFF:
            items += STAFF_NAV
        if current_user.role == Role.ADMIN:
            items += ADMIN_NAV
    return items


def this_url(**changes) -> str:
    """This very address with some query arguments changed (language switcher, pagination)."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        args[key] = [str(value)]
    query = urlencode(args, doseq=True)
    return f"{request.script_root}{quote(request.path)}?{query}"


def in_every_language(endpoint: str, values: dict, adapter=None) -> dict[str, str]:
    """{language: the page's absolute address in it}, at the trusted public origin."""
    adapter = adapter or public_adapter()
    return {code: public_url(endpoint, adapter, **values, lang=code) for code in LANGUAGE_NAMES}


def alternates() -> dict[str, str]:
    """This page in every language at the public origin, for the head's alternate and canonical
    links; empty on an error page, which has no address of its own."""
    if request.endpoint is None or request.url_rule is None:
        return {}
    values = {k: v for k, v in request.args.items() if k != "lang"}
    return in_every_language(request.endpoint, {**(request.view_args or {}), **values})


def show_localized(obj, field: str) -> Markup:
    """Content in the viewer's language, marked with its language when it had to fall back."""
    value = localized(obj, field)
    if not value.is_fallback:
        return Markup.escape(value.text)
    return Markup('<span lang="{0}">{1}</span> <small class="fallback">({2})</small>').format(
        value.language, value.text, LANGUAGE_NAMES[value.language]
    )


def when(moment, style: str = "medium") -> str:
    """A date and time in the viewer's language and time zone, to the minute; the full style
    names the zone too, for a meeting people join from several countries."""
    text = f"{format_date(moment, style)}, {format_time(moment, 'short')}"
    if style == "full":
        text += f" ({get_timezone_location(get_timezone(), locale=get_locale(), return_city=True)})"
    return text


def init_app(app) -> None:
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["markdown"] = markup.render
    app.jinja_env.globals.update(
        navigation=navigation,
        this_url=this_url,
        alternates=alternates,
        show_localized=show_localized,
        localized=localized,
        current_language=current_language,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
    )
