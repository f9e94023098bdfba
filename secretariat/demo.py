"""Demo data: the real network with fictional people, or synthetic data for load tests."""

from secretariat.accounts.operations import create_user
from secretariat.extensions import db
from secretariat.security import Role

DEMO_PASSWORD = "balkan-demo-2026"  # noqa: S105 - printed by make run and listed in the README

DEMO_USERS = [
    ("secretary@b40.example", "Elif Demir", Role.ADMIN, None, "tr"),
    ("expert@b40.example", "Jovana Petrović", Role.SECRETARIAT, None, "en"),
    ("mayor.zagreb@b40.example", "Marko Horvat", Role.MAYOR, "zagreb", "en"),
    ("mayor.tirana@b40.example", "Arben Hoxha", Role.MAYOR, "tirana", "en"),
    ("delegate.sarajevo@b40.example", "Amra Hodžić", Role.DELEGATE, "sarajevo", "en"),
    ("delegate.edirne@b40.example", "Zeynep Yıldız", Role.DELEGATE, "edirne", "tr"),
]


def load(scale: int = 0) -> None:
    """The demo sign-ins; with scale, that many synthetic delegates on top for load tests."""
    for email, name, role, city, language in DEMO_USERS:
        create_user(None, email, name, role, city, DEMO_PASSWORD, language)
    for number in range(scale):
        create_user(
            None,
            f"delegate{number:05d}@synthetic.example",
            f"Synthetic Delegate {number:05d}",
            Role.DELEGATE,
            f"city-{number:05d}",
            None,
            "en" if number % 2 else "tr",
        )
    db.session.flush()


def print_sign_ins(echo) -> None:
    echo(f"Demo sign-ins (password for all: {DEMO_PASSWORD}):")
    for email, name, role, city, _language in DEMO_USERS:
        echo(f"  {role:<12} {email:<32} {name}" + (f" ({city})" if city else ""))
