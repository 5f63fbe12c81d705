"""DESIGN.md's import rules, checked on the source with the ast module.

- ``concord`` never imports ``consent`` or ``outreach``, except in the composition root.
- ``outreach`` reaches vault data only through ``consent``'s public interface.
- Nothing outside ``consent`` touches vault tables (``consent.db``, ``consent.models``...).
- What ``consent`` takes from ``concord`` to send mail (the outbox engine, the email renderer)
  reaches no hub module, so a vault can run on its own server.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPOSITION_ROOT = {"concord/app.py", "concord/cli", "concord/migrations/env.py"}
# What outreach may import from consent: the narrow interface (audiences, tokens, flags).
CONSENT_PUBLIC = {"consent.public"}


def imports(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module


def python_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def in_composition_root(path: Path) -> bool:
    relative = path.relative_to(ROOT).as_posix()
    return any(relative == root or relative.startswith(root + "/") for root in COMPOSITION_ROOT)


def top(module: str) -> str:
    return module.split(".")[0]


def test_platform_does_not_import_vault_or_outreach_outside_the_composition_root() -> None:
    offences = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in python_files("concord")
        if not in_composition_root(path)
        for line, module in imports(path)
        if top(module) in {"consent", "outreach"}
    ]
    assert offences == []


def test_outreach_uses_only_the_public_interface_of_consent() -> None:
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
    assert offences == []


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
