"""DESIGN.md's import rules, checked on the source with the ast module.

- ``concord`` never imports ``consent`` or ``outreach``, except in the composition root; it
  may use the port to the vaults (``consent.public``).
- ``outreach`` reaches vault data only through the port (``consent.public``).
- Nothing outside ``consent`` touches vault tables or the vault database accessor
  (``consent.db``, ``Vaults``, ``consent.*.models``), except the composition root.
- ``consent`` never imports the hub (``concord.hub``, ``concord.audit``, a hub model), and
  what it takes from ``concord`` to send mail (the outbox engine, the email renderer) reaches
  no hub module either, so a vault can run on its own server.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPOSITION_ROOT = {
    "concord/app.py",
    "concord/cli",
    "concord/migrations/env.py",
    "concord/vault_host.py",
    "concord/node_site.py",
}
# What a vault may not depend on, so that it can run on a partner's own server: the hub's
# handle and audit chain, and the hub's tables.
HUB_MODULES = (
    "concord.hub",
    "concord.audit",
    "concord.accounts.models",
    "concord.partners",
    "concord.categories",
    "concord.partnership",
    "concord.governance",
    "concord.dashboard",
    "concord.finder",
    "concord.mail.models",
    "concord.models",
    "concord.vaults",
)
# What the hub may import from consent: the port to each vault and its wire types.
CONSENT_PUBLIC = {"consent.public"}


def imports(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module


def imported_names(path: Path) -> Iterator[tuple[int, str]]:
    """Every name taken with ``from x import name``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                yield node.lineno, alias.name


def python_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def in_composition_root(path: Path) -> bool:
    relative = path.relative_to(ROOT).as_posix()
    return any(relative == root or relative.startswith(root + "/") for root in COMPOSITION_ROOT)


def top(module: str) -> str:
    return module.split(".")[0]


def test_platform_reaches_vaults_only_through_the_port_outside_the_composition_root() -> None:
    offences = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in python_files("concord")
        if not in_composition_root(path)
        for line, module in imports(path)
        if top(module) in {"consent", "outreach"} and module not in CONSENT_PUBLIC
    ]
    assert offences == []


def test_outreach_reaches_vaults_only_through_the_port() -> None:
    offences = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in python_files("outreach")
        for line, module in imports(path)
        if top(module) == "consent" and module not in CONSENT_PUBLIC
    ]
    assert offences == []


@pytest.mark.parametrize("package", ["concord", "outreach"])
def test_no_module_outside_consent_touches_vault_tables(package: str) -> None:
    folder = (ROOT / package).resolve()
    if not folder.exists():
        pytest.skip(f"{package} does not exist yet")
    vault_modules = {"consent.db", "consent.models"}
    offences = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted(folder.rglob("*.py"))
        if not in_composition_root(path)
        for line, module in imports(path)
        if module in vault_modules or (top(module) == "consent" and ".models" in module)
    ]
    offences += [
        f"{path.relative_to(ROOT)}:{line} imports Vaults"
        for path in sorted(folder.rglob("*.py"))
        if not in_composition_root(path)
        for line, name in imported_names(path)
        if name == "Vaults"
    ]
    assert offences == []


def test_the_port_module_holds_only_the_port_and_its_wire_types() -> None:
    """``consent.public`` imports nothing of consent: it is the contract, not an implementation."""
    path = ROOT / "consent" / "public.py"
    assert [module for _, module in imports(path) if top(module) in {"consent", "concord"}] == []


# The platform modules a vault may use, and what they must never reach.
VAULT_SAFE = ["concord.mail.engine", "concord.mail.rendering"]
HUB_ONLY = ("concord.hub", "concord.audit")


def module_path(module: str) -> Path | None:
    base = ROOT / module.replace(".", "/")
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def reached(start: str) -> set[str]:
    """Every project module that ``start`` imports, directly or through others."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        module = todo.pop()
        path = module_path(module)
        if module in seen or path is None:
            continue
        seen.add(module)
        todo.extend(name for _, name in imports(path) if top(name) in {"concord", "consent"})
    return seen


@pytest.mark.parametrize("module", VAULT_SAFE)
def test_what_a_vault_takes_from_the_platform_reaches_no_hub_module(module: str) -> None:
    offences = sorted(
        name
        for name in reached(module)
        if name.startswith(HUB_ONLY) or name.endswith(".models") or top(name) == "consent"
    )
    assert offences == []
    assert module in reached(module)


def test_the_check_itself_finds_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from consent.db import Vaults\nimport outreach.calendar\n", encoding="utf-8")
    assert [module for _, module in imports(sample)] == ["consent.db", "outreach.calendar"]


def is_hub_module(module: str) -> bool:
    return any(module == hub or module.startswith(hub + ".") for hub in HUB_MODULES)


def test_no_vault_module_imports_the_hub() -> None:
    offences = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in python_files("consent")
        for line, module in imports(path)
        if is_hub_module(module)
    ]
    offences += [
        f"{path.relative_to(ROOT)}:{line} imports HubBase"
        for path in python_files("consent")
        for line, name in imported_names(path)
        if name == "HubBase"
    ]
    assert offences == []


def test_the_hub_rule_finds_a_vault_module_writing_the_hubs_chain(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from concord.audit import chain\nfrom concord.db import HubBase, utcnow\n"
        "import concord.partners.models\nfrom concord.settings import Settings\n",
        encoding="utf-8",
    )
    found = [m for _, m in imports(sample) if is_hub_module(m)]
    assert found == ["concord.audit", "concord.partners.models"]
    assert "HubBase" in [name for _, name in imported_names(sample)]
