"""Members' page data that reads the domains above members (groups, terms): view layer only."""

from flask_babel import format_date
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from secretariat.i18n import localized
from secretariat.members import queries
from secretariat.members.forms import ContactForm
from secretariat.members.models import City, CityStatus, JoinRoute
from secretariat.members.rules import may_act_for
from secretariat.presidency import queries as presidency
from secretariat.working_groups.models import GroupMembership, WorkingGroup
from secretariat.working_groups.queries import active_groups


def directory_page(language: str, query: str, country_code: str, group_slug: str) -> dict:
    """What members/directory.html shows: a page of members, the filters, counts per country."""
    among = None
    if group_slug:
        among = (
            select(GroupMembership.city_id)
            .join(WorkingGroup)
            .where(WorkingGroup.slug == group_slug)
        )
    page = queries.directory_listing(language, query, country_code, among)
    countries = queries.members_per_country(language)
    dates = {city.joined_on for city in page.items}  # a page of cities shares a few dates
    return {
        "page": page,
        "language": language,
        "countries": countries,
        "groups": [(g.slug, localized(g, "name", language).text) for g in active_groups()],
        "joined": {day: format_date(day, "medium") for day in dates},
        "total": sum(count for _code, _name, count in countries),
        "q": query,
        "country": country_code,
        "group": group_slug,
    }


def contact_form() -> ContactForm:
    """The contact form, offering the active working groups a contact may be for."""
    form = ContactForm()
    form.working_group.choices = [("", "—")] + [
        (str(g.id), localized(g, "name").text) for g in active_groups()
    ]
    return form


def city_page(slug: str, user, language: str, form: ContactForm | None = None) -> dict | None:
    """What members/city.html shows of the city to user, with the contact form that failed, if
    one did; None when there is no such city."""
    is_signed_in = user.is_authenticated
    city = queries.city_for_page(
        slug,
        selectinload(City.memberships).joinedload(GroupMembership.group),
        with_contacts=is_signed_in,
    )
    if city is None:
        return None
    keeps_contacts = may_act_for(user, city)
    return {
        "city": city,
        "terms": presidency.terms_of_city(city.id),
        "language": language,
        "route": JoinRoute(city.join_route),
        "status": CityStatus(city.status),
        "show_contacts": is_signed_in,
        "may_keep_contacts": keeps_contacts,
        "contact_form": form or (contact_form() if keeps_contacts else None),
    }
