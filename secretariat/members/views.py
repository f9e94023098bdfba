"""The public member directory, a page per city, and the staff's CSV export."""

import csv
import io
from functools import partial

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from secretariat import cache
from secretariat.errors import attempt
from secretariat.i18n import current_language, localized
from secretariat.members import bp, operations, pages, queries
from secretariat.members.forms import (
    CityForm,
    ContactForm,
    CountryForm,
    MayorForm,
    NewCountryForm,
    WithdrawalForm,
)
from secretariat.members.rules import may_act_for
from secretariat.security import PUBLIC, SIGNED_IN, STAFF, Role, access


@bp.route("/members")
@access(PUBLIC)
def list_cities():
    return cache.kept(cache.DIRECTORY, _directory_page)


def _directory_page() -> str:
    args = request.args
    page = pages.directory_page(
        current_language(),
        query=args.get("q", "").strip()[:100],
        country_code=args.get("country", "")[:2],
        group_slug=args.get("group", "")[:120],
    )
    return render_template("members/directory.html", **page)


@bp.route("/members/<slug>")
@access(PUBLIC)
def show_city(slug):
    return cache.kept(cache.DIRECTORY, partial(_city_page, slug))


def _city_page(slug: str, form: ContactForm | None = None):
    """The city's page; a contact form that failed comes back with what was typed."""
    page = pages.city_page(slug, current_user, current_language(), form)
    if page is None:
        abort(404)
    return render_template("members/city.html", **page)


@bp.route("/members.csv")
@access(STAFF)
def export_csv():
    out = io.StringIO()
    csv.writer(out).writerows(queries.export_rows())
    return Response(
        "\ufeff" + out.getvalue(),  # the BOM lets spreadsheet programs read the letters right
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="b40-members.csv"'},
    )


def _edit_page(city, form: CityForm, mayor: MayorForm | None = None):
    return render_template(
        "members/edit.html",
        city=city,
        form=form,
        withdrawal=WithdrawalForm(),
        mayor=mayor or MayorForm(city, formdata=None),
        language=current_language(),
    )


def _city_form(city, *, is_posted: bool = True) -> CityForm:
    """The city's form; is_posted=False when the request posted another form of the page."""
    form = CityForm(obj=city) if is_posted else CityForm(formdata=None, obj=city)
    form.country.choices = queries.countries_by_name(current_language(), keep=city.country.code)
    if not is_posted or not form.is_submitted():
        form.country.data = city.country.code
    if not isinstance(form.aliases.data, str):  # the city's own, unless the post sent others
        form.aliases.data = "\n".join(alias.name for alias in city.aliases)
    return form


@bp.route("/members/<slug>/edit", methods=["GET", "POST"])
@access(STAFF)
def edit_city(slug):
    city = queries.city_or_404(slug)
    form = _city_form(city)
    if form.validate_on_submit():
        ok, _none = attempt(operations.update_city, current_user, city, **form.city_values())
        if ok:
            flash(_("The city has been saved."), "success")
            return redirect(url_for("members.show_city", slug=city.slug))
    return _edit_page(city, form)


@bp.route("/members/<slug>/mayors", methods=["POST"])
@access(STAFF)
def record_mayor(slug):
    """A new mayor from the city's edit page; a refused date comes back next to its field."""
    city = queries.city_or_404(slug)
    mayor = MayorForm(city)
    if mayor.validate_on_submit():
        ok, _holder = attempt(operations.record_mayor, current_user, city, **mayor.values())
        if ok:
            flash(_("The new mayor has been recorded."), "success")
            return redirect(url_for("members.show_city", slug=city.slug))
    return _edit_page(city, _city_form(city, is_posted=False), mayor)


@bp.route("/members/<slug>/withdraw", methods=["POST"])
@access(STAFF)
def withdraw_city(slug):
    city = queries.city_or_404(slug)
    form = WithdrawalForm()
    if not form.validate_on_submit():
        errors = form.withdrawn_on.errors or [_("Give the date the city withdrew.")]
        flash(str(errors[0]), "error")
    elif attempt(operations.withdraw_city, current_user, city, **form.values())[0]:
        flash(_("The withdrawal has been recorded. The city's history stays."), "success")
    return redirect(url_for("members.show_city", slug=city.slug))


@bp.route("/members/<slug>/contacts", methods=["POST"])
@access(SIGNED_IN)
def add_contact(slug):
    city = queries.city_or_404(slug)
    if not may_act_for(current_user, city):
        abort(403)
    form = pages.contact_form()
    if (
        form.validate_on_submit()
        and attempt(operations.add_contact, current_user, city, **form.contact_values())[0]
    ):
        flash(_("The contact has been added."), "success")
        return redirect(url_for("members.show_city", slug=city.slug))
    return _city_page(slug, form)


@bp.route("/members/<slug>/contacts/<int:contact_id>/remove", methods=["POST"])
@access(SIGNED_IN)
def remove_contact(slug, contact_id):
    city = queries.city_or_404(slug)
    if not may_act_for(current_user, city):
        abort(403)
    contact = queries.contact_or_404(city, contact_id)
    if attempt(operations.remove_contact, current_user, contact)[0]:
        flash(_("The contact has been removed."), "success")
    return redirect(url_for("members.show_city", slug=city.slug))


# --- admins: the list of countries (SPEC §2.1) ----------------------------------------------

COUNTRY_TAKEN = _l("A country with this code already exists.")


@bp.route("/staff/countries", methods=["GET", "POST"])
@access(Role.ADMIN)
def list_countries():
    form = NewCountryForm()
    if form.validate_on_submit():
        ok, country = attempt(
            operations.add_country,
            current_user,
            race=COUNTRY_TAKEN,
            field=form.code,
            **form.values(),
        )
        if ok:
            name = localized(country, "name").text
            flash(_("%(country)s has been added.", country=name), "success")
            return redirect(url_for("members.list_countries"))
    return render_template("members/countries.html", countries=queries.all_countries(), form=form)


@bp.route("/staff/countries/<code>/edit", methods=["GET", "POST"])
@access(Role.ADMIN)
def edit_country(code):
    country = queries.country_or_404(code)
    form = CountryForm(obj=country)
    if (
        form.validate_on_submit()
        and attempt(operations.update_country, current_user, country, **form.values())[0]
    ):
        flash(_("%(country)s has been saved.", country=localized(country, "name").text), "success")
        return redirect(url_for("members.list_countries"))
    return render_template("members/country.html", country=country, form=form)
