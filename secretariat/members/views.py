"""The public member directory, a page per city, and the staff's CSV export."""

import csv
import io

from flask import Response, render_template, request
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from secretariat.extensions import db
from secretariat.i18n import current_language
from secretariat.listing import paginate
from secretariat.members import bp
from secretariat.members.models import City, CityStatus, Country, JoinRoute
from secretariat.security import PUBLIC, STAFF, access
from secretariat.text import collation_key, fold
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

    counts = dict(
        db.session.execute(
            select(City.country_id, func.count())
            .where(City.status == CityStatus.ACTIVE)
            .group_by(City.country_id)
        ).all()
    )
    countries = sorted(
        db.session.scalars(select(Country).where(Country.id.in_(counts))).all(),
        key=lambda country: collation_key(_country_name(country, language), language),
    )
    return render_template(
        "members/directory.html",
        page=page,
        language=language,
        countries=[(c.code, _country_name(c, language), counts[c.id]) for c in countries],
        groups=[
            (g.slug, g.name_tr if language == "tr" and g.name_tr else g.name_en)
            for g in _active_groups()
        ],
        total=sum(counts.values()),
        q=query,
        country=country_code,
        group=group_slug,
    )


def _country_name(country: Country, language: str) -> str:
    return country.name_tr if language == "tr" else country.name_en


@bp.route("/members/<slug>")
@access(PUBLIC)
def show_city(slug):
    options = [
        selectinload(City.aliases),
        selectinload(City.office_holders),
        selectinload(City.memberships).joinedload(GroupMembership.group),
    ]
    if current_user.is_authenticated:
        options.append(selectinload(City.contacts))
    city = db.one_or_404(select(City).where(City.slug == slug).options(*options))
    return render_template(
        "members/city.html",
        city=city,
        language=current_language(),
        route=JoinRoute(city.join_route),
        status=CityStatus(city.status),
        show_contacts=current_user.is_authenticated,
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
        writer.writerow(
            [
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
        )
    return Response(
        "\ufeff" + out.getvalue(),  # the BOM lets spreadsheet programs read the letters right
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="b40-members.csv"'},
    )
