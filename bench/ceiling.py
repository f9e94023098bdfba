"""The ceiling: the least a Flask page listing 50 users can do, with no portal code at all.

Flask + Flask-SQLAlchemy + one minimal Jinja template, on the same SQLite file the portal
uses (opened read-only). It does what the portal's /staff/users must do at the very least:
the page of 50 rows (ORDER BY name, id LIMIT 50 OFFSET ...) plus the COUNT(*) that
pagination needs, rendered with the same columns (name, email, role, city, state).

No sessions, sign-in, CSRF, translations, rate limiting, security headers or base layout:
whatever the portal costs above this page is the price of those.

    CEILING_DATABASE=/path/to/b40.sqlite gunicorn -w 2 --chdir bench ceiling:app
"""

import os

from flask import Flask, render_template, request
from flask_sqlalchemy import SQLAlchemy
from jinja2 import DictLoader
from sqlalchemy import func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

PAGE_SIZE = 50

TEMPLATE = """<!doctype html>
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


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class User(db.Model):
    """The columns of the portal's users table this page reads."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str]
    name: Mapped[str]
    role: Mapped[str]
    city_slug: Mapped[str | None]
    is_active: Mapped[bool]
    password_hash: Mapped[str | None]


def create_app() -> Flask:
    path = os.environ["CEILING_DATABASE"]
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///file:{path}?mode=ro&uri=true"
    app.jinja_loader = DictLoader({"users.html": TEMPLATE})
    db.init_app(app)

    @app.get("/")
    def users():
        value = request.args.get("page", "1")
        page = max(int(value), 1) if value.isdigit() and len(value) < 7 else 1
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

    return app


app = create_app() if "CEILING_DATABASE" in os.environ else None
