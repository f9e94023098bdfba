"""The command line: users, demo data, backup and restore, translations, the scheduler."""

import contextlib
import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
from babel.messages.frontend import CommandLineInterface
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from secretariat import demo, scheduler
from secretariat.accounts.models import User
from secretariat.accounts.operations import create_user
from secretariat.accounts.queries import check_city
from secretariat.config import PROJECT_ROOT
from secretariat.errors import DomainError
from secretariat.extensions import db
from secretariat.security import Role

users_cli = AppGroup("users", help="Manage portal accounts.")
translate_cli = AppGroup("translate", help="Extract, update and compile the translations.")
scheduler_cli = AppGroup("scheduler", help="The scheduler process.")

TRANSLATIONS = PROJECT_ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"
LANGUAGES_TRANSLATED = ("tr",)


@users_cli.command("create")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
@click.option(
    "--city", "city_slug", default=None, help="The city's slug, for mayors and delegates."
)
@click.option("--password", default=None, help="Prompted for (hidden) when not given.")
@click.option("--language", default="en", type=click.Choice(["en", "tr"]))
def create_user_command(email, name, role, city_slug, password, language):
    """Create an account that can sign in at once."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        city_slug = check_city(role, city_slug)
        user = create_user(None, email, name, role, city_slug, password, language)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    click.echo(f"Created {user.role} {user.email}.")


@click.command("demo")
@click.option(
    "--scale", type=click.IntRange(min=0), default=0, help="N synthetic cities' worth of data."
)
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
@with_appcontext
def demo_command(scale, if_empty):
    """Load the demo data (fictional people, the real network), or synthetic data at a scale."""
    if if_empty and db.session.scalar(select(User.id).limit(1)) is not None:
        click.echo("The database already has data; demo data not loaded.")
    else:
        # the demo's emails carry links to the portal, built as if a request had come in
        with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
            demo.load(scale)
            db.session.commit()
        click.echo("Demo data loaded.")
    demo.print_sign_ins(click.echo)


def _libpq_url() -> str:
    return db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_path() -> str:
    return db.engine.url.database


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path):
    """Write a consistent copy of the database to PATH while the portal keeps running."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if db.engine.dialect.name == "sqlite":
        _sqlite_copy(_sqlite_path(), path)
    else:
        _run_tool("pg_dump", "--format=custom", "--no-owner", "--file", str(path), _libpq_url())
    click.echo(f"Backup written to {path}.")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(path: Path, yes: bool):
    """Replace the database's contents with the backup at PATH."""
    if not yes:
        click.confirm("This replaces every row in the database. Continue?", abort=True)
    db.session.remove()
    db.engine.dispose()
    if db.engine.dialect.name == "sqlite":
        _sqlite_copy(path, _sqlite_path())
    else:
        _run_tool(
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--dbname",
            _libpq_url(),
            str(path),
        )
    click.echo(f"Database restored from {path}.")


def _sqlite_copy(source_path, target_path) -> None:
    """SQLite's online backup: a consistent copy even while other connections write."""
    source, target = sqlite3.connect(source_path), sqlite3.connect(target_path)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def _run_tool(name: str, *args: str) -> None:
    tool = shutil.which(name)
    if tool is None:
        raise click.ClickException(f"{name} is not installed (Debian: postgresql-client).")
    result = subprocess.run([tool, *args], capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise click.ClickException(f"{name} failed: {result.stderr.strip()}")


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


@translate_cli.command("extract")
def extract_command():
    """Collect every message of the code and templates into translations/messages.pot."""
    with contextlib.chdir(PROJECT_ROOT):  # locations in the catalogue stay relative
        _pybabel(
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "--add-location=file",
            "--sort-by-file",
            "-o",
            str(POT),
            ".",
        )


@translate_cli.command("update")
def update_command():
    """Extract, then merge new messages into each catalogue (never guessing fuzzy ones)."""
    extract_command.callback()
    for language in LANGUAGES_TRANSLATED:
        if not (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").exists():
            _pybabel("init", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", language)
    _pybabel(
        "update",
        "-i",
        str(POT),
        "-d",
        str(TRANSLATIONS),
        "--no-fuzzy-matching",
        "--ignore-obsolete",
    )


@translate_cli.command("compile")
def compile_command():
    """Build the .mo files the portal reads."""
    _pybabel("compile", "-d", str(TRANSLATIONS), "--statistics")


@scheduler_cli.command("run")
@with_appcontext
def run_scheduler_command():
    """Run the scheduler in this process until stopped."""
    scheduler.run(current_app._get_current_object())


def init_app(app) -> None:
    for command in (
        users_cli,
        translate_cli,
        scheduler_cli,
        demo_command,
        backup_command,
        restore_command,
    ):
        app.cli.add_command(command)
