"""The command line: accounts, demo data, and a backup that restores the same rows."""

from sqlalchemy import delete, func, select, update

from secretariat import demo
from secretariat.accounts.models import User
from secretariat.applications.models import Application
from secretariat.applications.queries import find_duplicate
from secretariat.audit import AuditEntry
from secretariat.demo import DEMO_PASSWORD, DEMO_USERS
from secretariat.elections.models import Election
from secretariat.extensions import db as _db
from tests.conftest import _LOADED, _empty_tables, add_city, load_once, sign_in


def test_users_create_with_a_password_can_sign_in(app, runner, client):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "Expert@B40.example",
            "--name",
            "Selin Kaya",
            "--role",
            "secretariat",
            "--password",
            "a-long-enough-secret",
        ]
    )
    assert result.exit_code == 0, result.output
    assert sign_in(client, "expert@b40.example", "a-long-enough-secret").status_code == 302


def test_users_create_prompts_for_the_password(app, runner):
    add_city(app, "Split")
    result = runner.invoke(
        args=[
            "users",
            "create",
            "mayor@split.example",
            "--name",
            "Ivo",
            "--role",
            "mayor",
            "--city",
            "split",
        ],
        input="sea-and-stone-2026\nsea-and-stone-2026\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert (
            _db.session.scalar(select(User.city_slug).where(User.email == "mayor@split.example"))
            == "split"
        )


def test_users_create_refuses_a_weak_password_and_a_mayor_without_city(app, runner):
    weak = runner.invoke(
        args=[
            "users",
            "create",
            "a@example.org",
            "--name",
            "A",
            "--role",
            "admin",
            "--password",
            "password1234",
        ]
    )
    assert weak.exit_code != 0
    assert "too common" in weak.output
    cityless = runner.invoke(
        args=[
            "users",
            "create",
            "b@example.org",
            "--name",
            "B",
            "--role",
            "mayor",
            "--password",
            "fine-long-password-1",
        ]
    )
    assert cityless.exit_code != 0
    assert "belong to a city" in cityless.output
    with app.app_context():
        assert _db.session.scalar(select(func.count()).select_from(User)) == 0


def test_demo_loads_once_and_prints_the_sign_ins(app, runner, client):
    first = runner.invoke(args=["demo", "--if-empty"])
    assert first.exit_code == 0, first.output
    assert "Demo data loaded." in first.output
    assert all(email in first.output for email, *_ in DEMO_USERS)
    second = runner.invoke(args=["demo", "--if-empty"])
    assert "already has data" in second.output
    with app.app_context():
        assert _db.session.scalar(select(func.count()).select_from(User)) == len(DEMO_USERS)
    assert sign_in(client, DEMO_USERS[0][0], DEMO_PASSWORD).status_code == 302


def test_demo_scale_adds_synthetic_accounts(app, runner):
    assert runner.invoke(args=["demo", "--scale", "25"]).exit_code == 0
    with app.app_context():
        assert _db.session.scalar(select(func.count()).select_from(User)) == len(DEMO_USERS) + 25
        town = _db.session.scalar(
            select(Application).where(Application.city_name == "Synthetic Town 00026")
        )
        # a synthetic open application holds its city's name as a submitted one does
        assert find_duplicate(town.search_key, town.country_id) is not None


def _rows(app):
    with app.app_context():
        users = _db.session.execute(
            select(User.id, User.email, User.role, User.password_hash).order_by(User.id)
        ).all()
        audit = _db.session.execute(
            select(AuditEntry.id, AuditEntry.action).order_by(AuditEntry.id)
        ).all()
        _db.session.remove()
    return users, audit


def test_backup_then_restore_gives_the_same_rows(app, runner, tmp_path):
    runner.invoke(args=["demo"])
    before = _rows(app)
    backup = tmp_path / "nightly" / "b40.backup"
    result = runner.invoke(args=["backup", str(backup)])
    assert result.exit_code == 0, result.output
    assert backup.stat().st_size > 0

    with app.app_context():
        _db.session.execute(delete(AuditEntry))
        _db.session.execute(update(User).where(User.role == "delegate").values(password_hash=None))
        _db.session.commit()
        _db.session.remove()
    assert _rows(app) != before

    result = runner.invoke(args=["restore", "--yes", str(backup)])
    assert result.exit_code == 0, result.output
    assert _rows(app) == before


def test_restore_asks_before_replacing_everything(app, runner, tmp_path):
    backup = tmp_path / "b.backup"
    runner.invoke(args=["backup", str(backup)])
    result = runner.invoke(args=["restore", str(backup)], input="n\n")
    assert result.exit_code != 0
    assert "Aborted" in result.output


def test_the_demo_written_back_is_the_demo_the_operations_loaded(app, db):
    """The gates walk a demo written back once per process: it must hold every row as the
    operations left them, the election in voting with its candidates and roll included."""
    load_once(app, "demo, twice", demo.load)
    with app.app_context():
        _empty_tables()
    load_once(app, "demo, twice", demo.load)
    with app.app_context():
        for table in _db.metadata.sorted_tables:
            key = list(table.primary_key.columns)
            rows = [
                dict(row._mapping) for row in _db.session.execute(table.select().order_by(*key))
            ]
            if table.name == "page_stamps":
                assert {row["name"] for row in rows} == {
                    row["name"] for row in _LOADED["demo, twice"][table.name]
                }
                continue
            loaded = sorted(
                _LOADED["demo, twice"][table.name], key=lambda row: [row[c.name] for c in key]
            )
            assert rows == loaded, table.name
        assert _db.session.scalar(select(Election.phase)) == "voting"
