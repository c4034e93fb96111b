"""The import contracts (`lint-imports`, run by `make test`) are not vacuous: on a copy of the
code with a planted breach they fail and name it.

The copy holds only the Python packages and pyproject.toml, so each run takes about a second and
never touches the working tree. A breach that the real code still has elsewhere cannot make a
test pass by accident: the assertions look for the planted modules by name.
"""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def _lint_imports() -> str:
    found = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    return found or "lint-imports"


PLANTED = {
    # conferences has no cycle of its own: the only one is this pair, and one side of it imports
    # only when its function runs (grimp reads imports anywhere in a module).
    "conferences/planted_one.py": "from conferences import planted_two\n",
    "conferences/planted_two.py": "def late():\n    from conferences import planted_one\n",
    # A services package (as issue 12 plans) with a cycle between two of its modules.
    "registrations/planted_services/__init__.py": "",
    "registrations/planted_services/booking.py": "from . import waitlist\n",
    "registrations/planted_services/waitlist.py": "def promote():\n    from . import booking\n",
    # Imports against the direction of the layers.
    "conferences/planted_upward.py": "def seats():\n    from registrations import models\n",
    "registrations/planted_demo.py": "import seeds.loader\n",
}


@pytest.fixture(scope="module")
def lint_planted(tmp_path_factory):
    """lint-imports' output on a copy of the root packages and pyproject.toml with the planted
    breaches (one run for all tests: each takes about a second)."""
    copy = tmp_path_factory.mktemp("planted")
    for package in CONFIG["root_packages"]:
        shutil.copytree(
            ROOT / package,
            copy / package,
            ignore=shutil.ignore_patterns("__pycache__", "templates", "static", "locale", "data"),
        )
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    for path, source in PLANTED.items():
        (copy / path).parent.mkdir(exist_ok=True)
        (copy / path).write_text(source)
    result = subprocess.run(
        [_lint_imports(), "--no-cache"],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=60,
        # The copy must be found first, not the checkout this test runs from.
        env={"PATH": str(Path(sys.executable).parent), "PYTHONPATH": ""},
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    return result.stdout


def test_contracts_are_the_ones_described():
    contracts = {c["id"]: c["type"] for c in CONFIG["contracts"]}

    assert contracts == {"layers": "layers", "acyclic": "acyclic_siblings"}


def test_cycle_inside_a_function_body_breaks_the_acyclic_contract(lint_planted):
    cycle = lint_planted.split("No cycles are allowed in conferences.")[1]

    assert cycle.splitlines()[3] in (
        "- .planted_one -> .planted_two (1 import)",
        "- .planted_two -> .planted_one (1 import)",
    )


def test_cycle_between_modules_of_a_subpackage_breaks_the_acyclic_contract(lint_planted):
    cycle = lint_planted.split("No cycles are allowed in registrations.planted_services.")[1]

    assert cycle.splitlines()[3] in (
        "- .booking -> .waitlist (1 import)",
        "- .waitlist -> .booking (1 import)",
    )


def test_conferences_importing_registrations_breaks_the_layers_contract(lint_planted):
    assert "conferences is not allowed to import registrations:" in lint_planted
    assert "- conferences.planted_upward -> registrations.models" in lint_planted


def test_registrations_importing_seeds_breaks_the_layers_contract(lint_planted):
    assert "registrations is not allowed to import seeds:" in lint_planted
    assert "- registrations.planted_demo -> seeds.loader" in lint_planted
