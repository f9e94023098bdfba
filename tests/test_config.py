"""Configuration comes from defaults, then instance/config.py, then the environment, then tests."""

import os
import subprocess
import sys

import pytest

from secretariat import create_app


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith("SECRETARIAT_") or name == "DATABASE_URL":
            monkeypatch.delenv(name)


def test_settings_are_layered(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text(
        'SECRET_KEY = "from-instance"\nPAGE_SIZE = 20\nLOGIN_FAILURES_PER_ADDRESS = "5 per hour"\n'
    )
    monkeypatch.setenv("SECRETARIAT_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SECRETARIAT_PAGE_SIZE", "30")
    monkeypatch.setenv("SECRETARIAT_SESSION_COOKIE_SECURE", "true")
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.example/b40")
    app = create_app({"LOGIN_FAILURES_PER_ADDRESS": "7 per hour"})
    assert app.config["SECRET_KEY"] == "from-instance"
    assert app.config["PAGE_SIZE"] == 30
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db.example/b40"
    assert app.config["LOGIN_FAILURES_PER_ADDRESS"] == "7 per hour"


def test_sqlite_under_the_instance_folder_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("SECRETARIAT_INSTANCE_PATH", str(tmp_path))
    app = create_app({"TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'b40.sqlite'}"


FIRST_REQUEST = """
import sys
from secretariat import create_app
app = create_app({"TESTING": True, "SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": sys.argv[1],
                  "PUBLIC_URL": "http://localhost"})
print(app.test_client().get("/members/sarajevo").status_code)
"""


def test_a_new_process_answers_a_city_page_at_its_first_request(app, demo_data):
    """A worker's first request may be any page: the models' back-references (a city's group
    memberships) exist before it, not only after some other query set them up."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    found = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", FIRST_REQUEST, url],
        capture_output=True,
        check=False,
        text=True,
        timeout=60,
    )
    assert found.stdout.strip() == "200", found.stderr[-2000:]
