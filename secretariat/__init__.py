"""The B40 Secretariat Portal: create_app() builds the Flask application."""

import importlib
import logging
import os
from pathlib import Path

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import configure_mappers
from werkzeug.middleware.proxy_fix import ProxyFix

from secretariat import cli, config, errors, extensions, listing, security, templating
from secretariat.accounts.queries import session_user
from secretariat.extensions import babel, csrf, db, limiter, login, migrate
from secretariat.i18n import select_locale, select_timezone

PROJECT_ROOT = config.PROJECT_ROOT
BLUEPRINTS = (
    "site",
    "accounts",
    "members",
    "applications",
    "presidency",
    "elections",
    "working_groups",
    "reports",
)


def create_app(test_config: dict | None = None) -> Flask:
    """Defaults, then instance/config.py, then the environment, then the test mapping."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("SECRETARIAT_INSTANCE_PATH", str(PROJECT_ROOT / "instance")),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.config.from_object(config.Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(config.from_environment())
    if test_config is not None:
        app.config.update(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        app.config["SQLALCHEMY_DATABASE_URI"] = (
            f"sqlite:///{Path(app.instance_path) / 'b40.sqlite'}"
        )
    _refuse_default_secret(app)

    if app.config["PROXY_FIX_COUNT"]:
        count = app.config["PROXY_FIX_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    app.session_interface = security.SessionInterface()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True, compare_type=True
    )
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    limiter.init_app(app)
    extensions.mail.init_app(app)
    _init_login(app)

    app.url_map.converters["int"] = listing.IdConverter
    for name in BLUEPRINTS:  # each domain's views put their routes on its blueprint
        views = importlib.import_module(f"secretariat.{name}.views")
        app.register_blueprint(views.bp)
    app.view_functions["static"] = security.access(security.PUBLIC)(app.view_functions["static"])
    configure_mappers()  # every model is imported: the backrefs (City.memberships) exist from now

    app.before_request(security.refuse_foreign_host)  # first: before anything reads the request
    app.before_request(security.refuse_nul_bytes)
    app.after_request(security.add_security_headers)
    errors.init_app(app)
    templating.init_app(app)
    cli.init_app(app)
    return app


def _refuse_default_secret(app: Flask) -> None:
    if app.debug or app.testing:
        return
    if app.config["SECRET_KEY"] in (None, "", config.DEFAULT_SECRET_KEY):
        raise RuntimeError(
            "SECRET_KEY is not set. Put a long random value in instance/config.py "
            "or the SECRETARIAT_SECRET_KEY environment variable."
        )


def _init_login(app: Flask) -> None:
    login.init_app(app)
    login.login_view = "accounts.sign_in"
    login.login_message = _l("Please sign in to open this page.")
    login.login_message_category = "info"
    login.session_protection = None  # the server ends sessions (SignIn); IPs change on mobiles

    login.user_loader(session_user)
