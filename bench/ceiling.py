"""The ceilings: the least a Flask page listing 50 users, or 50 member cities, can do.

Flask + Flask-SQLAlchemy + one minimal Jinja template per page, no portal code at all, on the
same SQLite file the portal uses (opened read-only). Each page does what the portal's page must
do at the very least, with the same columns:

- `/` for the portal's /staff/users: the page of 50 users (ORDER BY name, id LIMIT 50
  OFFSET ...) plus the COUNT(*) that pagination needs; name, email, role, city and state.
- `/members` for the portal's public /members: the page of 50 active cities
  (WHERE status = 'active' ORDER BY sort_key_en, id LIMIT 50 OFFSET ...), joined to countries
  for the country's name, plus the COUNT(*) of active cities; the city's name (a link to its
  page), official name, country and the date it joined (ISO, no Babel).
- `/reports/<year>` for the portal's public /reports/<year> (and `/reports`, the list, is
  measured against it too): one query for the term of that year joined to its report's latest
  snapshot, for that snapshot's stored page (`html_en`, or `html_tr` with `?lang=tr`), plus
  one for the report's revision list (revision, published_at); a minimal template with a title,
  the revision list and the stored HTML as it is (`|safe`).

No sessions, sign-in, CSRF, translations, rate limiting, security headers or base layout:
whatever the portal costs above these pages is the price of those, plus whatever it does on top.

    CEILING_DATABASE=/path/to/b40.sqlite gunicorn -w 2 --chdir bench ceiling:app
"""

import os
from datetime import date, datetime

from flask import Flask, abort, render_template, request
from flask_sqlalchemy import SQLAlchemy
from jinja2 import DictLoader
from sqlalchemy import ForeignKey, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

PAGE_SIZE = 50

USERS_TEMPLATE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Users</title></head>
<body>
<h1>Users</h1>
<p>{{ total }} users found.</p>
<table>
  <thead><tr><th>Name</th><th>Email</th><th>Role</th><th>City</th><th>State</th></tr></thead>
  <tbody>
  {% for user in users %}
    <tr>
      <td>{{ user.name }}</td>
      <td>{{ user.email }}</td>
      <td>{{ user.role }}</td>
      <td>{{ user.city_slug or '' }}</td>
      <td>{% if not user.is_active %}Deactivated{% elif user.password_hash is none %}Invited{% else %}Active{% endif %}</td>
    </tr>
  {% endfor %}
  </tbody>
</table>
<p>Page {{ page }} of {{ pages }}</p>
</body>
</html>
"""

CITIES_TEMPLATE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Member cities</title></head>
<body>
<h1>Member cities</h1>
<p>{{ total }} cities found.</p>
<table>
  <thead><tr><th>City</th><th>Official name</th><th>Country</th><th>Member since</th></tr></thead>
  <tbody>
  {% for city, country in cities %}
    <tr>
      <td><a href="/members/{{ city.slug }}">{{ city.english_name }}</a></td>
      <td>{{ city.official_name }}</td>
      <td>{{ country }}</td>
      <td>{{ city.joined_on.isoformat() }}</td>
    </tr>
  {% endfor %}
  </tbody>
</table>
<p>Page {{ page }} of {{ pages }}</p>
</body>
</html>
"""


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class User(db.Model):
    """The columns of the portal's users table the users page reads."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str]
    name: Mapped[str]
    role: Mapped[str]
    city_slug: Mapped[str | None]
    is_active: Mapped[bool]
    password_hash: Mapped[str | None]


class Country(db.Model):
    """The columns of the portal's countries table the cities page reads."""

    __tablename__ = "countries"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_en: Mapped[str]


class City(db.Model):
    """The columns of the portal's cities table the cities page reads, filters and sorts by."""

    __tablename__ = "cities"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str]
    official_name: Mapped[str]
    english_name: Mapped[str]
    country_id: Mapped[int] = mapped_column(ForeignKey("countries.id"))
    status: Mapped[str]
    joined_on: Mapped[date]
    sort_key_en: Mapped[str]


REPORT_TEMPLATE = """<!doctype html>
<html lang="{{ language }}">
<head><meta charset="utf-8"><title>Activity report {{ year }}</title></head>
<body>
<ol>
  {% for revision, published_at in revisions %}
  <li><a href="/reports/{{ year }}/revisions/{{ revision }}">Revision {{ revision }}, {{ published_at.date().isoformat() }}</a></li>
  {% endfor %}
</ol>
{{ html|safe }}
</body>
</html>
"""


class Term(db.Model):
    """The columns of the portal's terms table the report page reads."""

    __tablename__ = "terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int | None]


class Report(db.Model):
    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("terms.id"))


class ReportSnapshot(db.Model):
    """The columns of the portal's report_snapshots table the report page reads."""

    __tablename__ = "report_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    revision: Mapped[int]
    html_en: Mapped[str]
    html_tr: Mapped[str]
    published_at: Mapped[datetime]


def requested_page() -> int:
    value = request.args.get("page", "1")
    return max(int(value), 1) if value.isdigit() and len(value) < 7 else 1


def create_app() -> Flask:
    path = os.environ["CEILING_DATABASE"]
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///file:{path}?mode=ro&uri=true"
    app.jinja_loader = DictLoader(
        {
            "users.html": USERS_TEMPLATE,
            "cities.html": CITIES_TEMPLATE,
            "report.html": REPORT_TEMPLATE,
        }
    )
    db.init_app(app)

    @app.get("/")
    def users():
        page = requested_page()
        rows = db.session.scalars(
            select(User)
            .order_by(User.name, User.id)
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        ).all()
        total = db.session.scalar(select(func.count()).select_from(User))
        return render_template(
            "users.html",
            users=rows,
            total=total,
            page=page,
            pages=max(1, -(-total // PAGE_SIZE)),
        )

    @app.get("/members")
    def cities():
        page = requested_page()
        rows = db.session.execute(
            select(City, Country.name_en)
            .join(Country, Country.id == City.country_id)
            .where(City.status == "active")
            .order_by(City.sort_key_en, City.id)
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        ).all()
        total = db.session.scalar(
            select(func.count()).select_from(City).where(City.status == "active")
        )
        return render_template(
            "cities.html",
            cities=rows,
            total=total,
            page=page,
            pages=max(1, -(-total // PAGE_SIZE)),
        )

    @app.get("/reports/<int:year>")
    def report(year):
        language = "tr" if request.args.get("lang") == "tr" else "en"
        latest = (
            select(func.max(ReportSnapshot.revision))
            .where(ReportSnapshot.report_id == Report.id)
            .correlate(Report)
            .scalar_subquery()
        )
        found = db.session.execute(
            select(Report.id, getattr(ReportSnapshot, f"html_{language}"))
            .join(Term, Term.id == Report.term_id)
            .join(ReportSnapshot, ReportSnapshot.report_id == Report.id)
            .where(Term.year == year, ReportSnapshot.revision == latest)
        ).first()
        if found is None:
            abort(404)
        report_id, html = found
        revisions = db.session.execute(
            select(ReportSnapshot.revision, ReportSnapshot.published_at)
            .where(ReportSnapshot.report_id == report_id)
            .order_by(ReportSnapshot.revision)
        ).all()
        return render_template(
            "report.html", year=year, language=language, html=html, revisions=revisions
        )

    return app


app = create_app() if "CEILING_DATABASE" in os.environ else None
