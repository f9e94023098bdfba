"""The domains point one way: loading a domain's models, rules, queries, operations, forms and tasks
never loads a domain above it, so each can be read, tested and changed without the ones on it."""

import subprocess
import sys
from pathlib import Path

import pytest

import secretariat

# ARCHITECTURE.md: accounts ← members ← {working_groups, presidency} ← {applications, elections}
# ← reports ← site. Of the two pairs of siblings, working groups read the presidency's term and elections
# read the presidency's summits, so the presidency comes first.
LAYERS = [
    *("accounts", "members", "presidency", "working_groups", "applications", "elections"),
    "reports",
]
PACKAGE = Path(secretariat.__file__).parent

# The package's __init__ builds the app and loads every domain; the check stands in a bare
# package, so what is loaded is what the domain's own modules import.
PROBE = """
import importlib, sys, types
package = types.ModuleType("secretariat")
package.__path__ = [{package!r}]
sys.modules["secretariat"] = package
for name in {modules!r}:
    importlib.import_module(name)
print(" ".join(sorted({{name.split(".")[1] for name in sys.modules if name.count(".") >= 1
                       and name.startswith("secretariat.")}})))
"""


BOTTOM = [
    "extensions",
    "database",
    "i18n",
    "text",
    "security",
    "audit",
    "mail",
    "errors",
    "forms",
    "cache",
    "listing",
]


def modules_of(domain: str) -> list[str]:
    """Every module of the domain, sub-packages included, but its views and its demo data."""
    return [
        ".".join(("secretariat", *path.relative_to(PACKAGE).with_suffix("").parts))
        for path in sorted((PACKAGE / domain).rglob("*.py"))
        if path.stem not in ("__init__", "views", "pages", "demo")
    ]


def loaded_by(modules: list[str]) -> set[str]:
    """The secretariat modules (top-level names) a fresh interpreter holds after modules."""
    probe = PROBE.format(package=str(PACKAGE), modules=modules)
    result = subprocess.run(  # noqa: S603  # our own interpreter, on our own module names
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    return set(result.stdout.split())


@pytest.mark.parametrize("domain", LAYERS)
def test_a_domain_loads_no_domain_above_it(domain):
    assert f"secretariat.{domain}.models" in modules_of(domain)
    above = set(LAYERS[LAYERS.index(domain) + 1 :]) | {"site"}
    assert loaded_by(modules_of(domain)) & above == set()


def test_the_bottom_modules_load_no_domain():
    loaded = loaded_by([f"secretariat.{name}" for name in BOTTOM])
    assert loaded & {*LAYERS, "site"} == set()
