"""The public member directory, a page per city, and the staff's CSV export."""

import csv
import io
from functools import lru_cache

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from secretariat import cache
from secretariat.errors import attempt
from secretariat.extensions import db
from secretariat.i18n import current_language, localized
from secretariat.listing import paginate
from secretariat.members import bp, operations
from secretariat.members.forms import (
    CityForm,
    ContactForm,
    CountryForm,
    MayorForm,
    NewCountryForm,
    WithdrawalForm,
)
from secretariat.members.models import City, CityStatus, Contact, ContactKind, Country, JoinRoute
from secretariat.presidency import operations as presidency
from secretariat.security import PUBLIC, SIGNED_IN, STAFF, Role, access
from secretariat.text import collation_key, fold, spreadsheet_safe
from secretariat.working_groups.models import GroupMembership, GroupStatus, WorkingGroup


def _active_groups() -> list[WorkingGroup]:
    return db.session.scalars(
        select(WorkingGroup)
        .where(WorkingGroup.status == GroupStatus.ACTIVE)
        .order_by(WorkingGroup.id)
    ).all()


@bp.route("/members")
@access(PUBLIC)
def directory():
    return cache.kept(cache.DIRECTORY, _directory_page)


@lru_cache(maxsize=256)
def _name_order(name: str, language: str) -> str:
    return collation_key(name, language)


def _directory_page() -> str:
    language = current_language()
    query = request.args.get("q", "").strip()[:100]
    country_code = request.args.get("country", "")[:2]
    group_slug = request.args.get("group", "")[:120]
    sort_key = City.sort_key_tr if language == "tr" else City.sort_key_en
    stmt = select(City).where(City.status == CityStatus.ACTIVE).order_by(sort_key, City.id)
    if query:
        stmt = stmt.where(City.search_key.contains(fold(query), autoescape=True))
    if country_code:
        code = select(Country.id).where(Country.code == country_code).scalar_subquery()
        stmt = stmt.where(City.country_id == code)
    if group_slug:
        members = (
            select(GroupMembership.city_id)
            .join(WorkingGroup)
            .where(WorkingGroup.slug == group_slug)
        )
        stmt = stmt.where(City.id.in_(members))
    page = paginate(stmt)

    counts = (
        select(City.country_id, func.count().label("members"))
        .where(City.status == CityStatus.ACTIVE)
        .group_by(City.country_id)
        .subquery()
    )
    countries = sorted(
        (
            (row.code, localized(row, "name", language).text, row.members)
            for row in db.session.execute(
                select(Country.code, Country.name_en, Country.name_tr, counts.c.members).join(
                    counts, counts.c.country_id == Country.id
                )
            )
        ),
        key=lambda country: _name_order(country[1], language),
    )
    dates = {city.joined_on for city in page.items}  # a page of cities shares a few dates
    return render_template(
        "members/directory.html",
        page=page,
        language=language,
        countries=countries,
        groups=[(g.slug, localized(g, "name", language).text) for g in _active_groups()],
        joined={day: format_date(day, "medium") for day in dates},
        total=sum(count for _code, _name, count in countries),
        q=query,
        country=country_code,
        group=group_slug,
    )


@bp.route("/members/<slug>")
@access(PUBLIC)
def show_city(slug):
    return cache.kept(cache.DIRECTORY, lambda: _city_page(slug))


def _city_page(slug: str, form: ContactForm | None = None):
    """The city's page; a contact form that failed comes back with what was typed."""
    options = [
        joinedload(City.aliases),  # joined, so that the terms cost no extra statement
        selectinload(City.office_holders),
        selectinload(City.memberships).joinedload(GroupMembership.group),
    ]
    signed_in = current_user.is_authenticated
    if signed_in:
        options.append(selectinload(City.contacts))
    city = (
        db.session.scalars(select(City).where(City.slug == slug).options(*options))
        .unique()
        .one_or_none()
    )
    if city is None:
        abort(404)
    keeps_contacts = signed_in and operations.may_keep_contacts(current_user, city)
    return render_template(
        "members/city.html",
        city=city,
        terms=presidency.terms_of_city(city.id),
        language=current_language(),
        route=JoinRoute(city.join_route),
        status=CityStatus(city.status),
        show_contacts=signed_in,
        may_keep_contacts=keeps_contacts,
        contact_form=form or (contact_form() if keeps_contacts else None),
    )


CSV_COLUMNS = [
    "slug",
    "official_name",
    "english_name",
    "turkish_name",
    "aliases",
    "country",
    "population",
    "website",
    "status",
    "joined_on",
    "join_route",
    "withdrawn_on",
    "mayor",
]


@bp.route("/members.csv")
@access(STAFF)
def export_csv():
    cities = db.session.scalars(
        select(City)
        .options(selectinload(City.aliases), selectinload(City.office_holders))
        .order_by(City.sort_key_en, City.id)
    ).all()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for city in cities:
        mayor = next((h.name for h in city.office_holders if h.ended_on is None), "")
        cells = [
            city.slug,
            city.official_name,
            city.english_name,
            city.turkish_name,
            "; ".join(alias.name for alias in city.aliases),
            city.country.code,
            city.population or "",
            city.website,
            city.status,
            city.joined_on.isoformat(),
            city.join_route,
            city.withdrawn_on.isoformat() if city.withdrawn_on else "",
            mayor,
        ]
        writer.writerow([spreadsheet_safe(cell) for cell in cells])
    return Response(
        "\ufeff" + out.getvalue(),  # the BOM lets spreadsheet programs read the letters right
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="b40-members.csv"'},
    )


def _city_or_404(slug: str) -> City:
    return db.one_or_404(select(City).where(City.slug == slug))


def _edit_page(city: City, form: CityForm, mayor: MayorForm | None = None):
    return render_template(
        "members/edit.html",
        city=city,
        form=form,
        withdrawal=WithdrawalForm(),
        mayor=mayor or MayorForm(city, formdata=None),
        language=current_language(),
    )


def _city_form(city: City, *, posted: bool = True) -> CityForm:
    """The city's form; posted=False when the request posted another form of the page."""
    form = CityForm(obj=city) if posted else CityForm(formdata=None, obj=city)
    form.country.choices = operations.countries_by_name(current_language(), keep=city.country.code)
    if not posted or not form.is_submitted():
        form.country.data = city.country.code
    if not isinstance(form.aliases.data, str):  # the city's own, unless the post sent others
        form.aliases.data = "\n".join(alias.name for alias in city.aliases)
    return form


@bp.route("/members/<slug>/edit", methods=["GET", "POST"])
@access(STAFF)
def edit_city(slug):
    city = _city_or_404(slug)
    form = _city_form(city)
    if form.validate_on_submit():
        ok, _result = attempt(
            lambda: operations.update_city(
                current_user,
                city,
                official_name=form.official_name.data,
                english_name=form.english_name.data,
                turkish_name=form.turkish_name.data or "",
                aliases=tuple(form.aliases.data.splitlines()),
                country_code=form.country.data,
                population=form.population.data,
                website=form.website.data or "",
                joined_on=form.joined_on.data,
                join_route=form.join_route.data,
            )
        )
        if ok:
            flash(_("The city has been saved."), "success")
            return redirect(url_for("members.show_city", slug=city.slug))
    return _edit_page(city, form)


@bp.route("/members/<slug>/mayors", methods=["POST"])
@access(STAFF)
def record_mayor(slug):
    """A new mayor from the city's edit page; a refused date comes back next to its field."""
    city = _city_or_404(slug)
    mayor = MayorForm(city)
    if mayor.validate_on_submit():
        ok, _holder = attempt(
            operations.record_mayor, current_user, city, mayor.name.data, mayor.since.data
        )
        if ok:
            flash(_("The new mayor has been recorded."), "success")
            return redirect(url_for("members.show_city", slug=city.slug))
    return _edit_page(city, _city_form(city, posted=False), mayor)


@bp.route("/members/<slug>/withdraw", methods=["POST"])
@access(STAFF)
def withdraw_city(slug):
    city = _city_or_404(slug)
    form = WithdrawalForm()
    if not form.validate_on_submit():
        errors = form.withdrawn_on.errors or [_("Give the date the city withdrew.")]
        flash(str(errors[0]), "error")
    elif attempt(operations.withdraw_city, current_user, city, form.withdrawn_on.data)[0]:
        flash(_("The withdrawal has been recorded. The city's history stays."), "success")
    return redirect(url_for("members.show_city", slug=city.slug))


def contact_form() -> ContactForm:
    form = ContactForm()
    groups = _active_groups()
    form.working_group.choices = [("", "—")] + [
        (str(g.id), localized(g, "name").text) for g in groups
    ]
    return form


@bp.route("/members/<slug>/contacts", methods=["POST"])
@access(SIGNED_IN)
def add_contact(slug):
    city = _city_or_404(slug)
    if not operations.may_keep_contacts(current_user, city):
        abort(403)
    form = contact_form()
    if form.validate_on_submit():
        fields = {
            "kind": form.kind.data,
            "name": form.name.data,
            "position": form.position.data or "",
            "email": form.email.data or "",
            "phone": form.phone.data or "",
            "working_group_id": int(form.working_group.data)
            if form.kind.data == ContactKind.WORKING_GROUP
            else None,
        }
        if attempt(lambda: operations.add_contact(current_user, city, **fields))[0]:
            flash(_("The contact has been added."), "success")
            return redirect(url_for("members.show_city", slug=city.slug))
    return _city_page(slug, form)


@bp.route("/members/<slug>/contacts/<int:contact_id>/remove", methods=["POST"])
@access(SIGNED_IN)
def remove_contact(slug, contact_id):
    city = _city_or_404(slug)
    if not operations.may_keep_contacts(current_user, city):
        abort(403)
    contact = db.one_or_404(
        select(Contact).where(Contact.id == contact_id, Contact.city_id == city.id)
    )
    if attempt(operations.remove_contact, current_user, contact)[0]:
        flash(_("The contact has been removed."), "success")
    return redirect(url_for("members.show_city", slug=city.slug))


# --- admins: the list of countries (SPEC §2.1) ----------------------------------------------


@bp.route("/staff/countries", methods=["GET", "POST"])
@access(Role.ADMIN)
def countries():
    form = NewCountryForm()
    if form.validate_on_submit():
        try:
            ok, country = attempt(
                lambda: operations.add_country(
                    current_user,
                    code=form.code.data,
                    name_en=form.name_en.data,
                    name_tr=form.name_tr.data,
                    is_active=form.is_active.data,
                )
            )
        except IntegrityError:  # another admin added the same code at the same moment
            db.session.rollback()
            form.code.errors.append(_("A country with this code already exists."))
            ok = False
        if ok:
            name = localized(country, "name").text
            flash(_("%(country)s has been added.", country=name), "success")
            return redirect(url_for("members.countries"))
    return render_template(
        "members/countries.html", countries=operations.all_countries(), form=form
    )


@bp.route("/staff/countries/<code>/edit", methods=["GET", "POST"])
@access(Role.ADMIN)
def edit_country(code):
    country = db.one_or_404(select(Country).where(Country.code == code))
    form = CountryForm(obj=country)
    if form.validate_on_submit():
        ok, _result = attempt(
            lambda: operations.update_country(
                current_user,
                country,
                name_en=form.name_en.data,
                name_tr=form.name_tr.data,
                is_active=form.is_active.data,
            )
        )
        if ok:
            name = localized(country, "name").text
            flash(_("%(country)s has been saved.", country=name), "success")
            return redirect(url_for("members.countries"))
    return render_template("members/country.html", country=country, form=form)
