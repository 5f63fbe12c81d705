"""axe-core in every browser journey: each page a journey loads is checked once per kind of
page, role and language, and a serious or critical violation fails the test that met it.

axe comes from the ``axe-playwright-python`` wheel (axe-core's own ``axe.min.js``), injected by
Playwright as an init script, so no page loads it from anywhere and the CSP stays strict. The
checks found are written to ``test-artifacts/accessibility-<worker>.json`` for the record.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Page

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FAILING = {"serious", "critical"}
# WCAG 2.0, 2.1 and 2.2, levels A and AA.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
_AXE = (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")
_KEY = """() => {
  const path = location.pathname
    .replace(/\\/[0-9]+(?=\\/|$)/g, "/N")
    .replace(/\\/[A-Za-z0-9_.~-]{16,}(?=\\/|$)/g, "/T");
  const role = document.querySelector(".who .role");
  return [path, document.documentElement.lang, role ? role.textContent.trim() : "anonymous"]
    .join(" | ");
}"""
_RUN = f"""() => axe.run(document, {{
  runOnly: {{type: "tag", values: {json.dumps(TAGS)}}},
  resultTypes: ["violations"],
}}).then(r => r.violations.map(v => ({{
  id: v.id, impact: v.impact, help: v.help,
  nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
}})))"""
_ON_LOAD = f"""
window.addEventListener("load", () => {{
  if (typeof window.__axeWanted !== "function") return;
  const key = ({_KEY})();
  window.__axeWanted(key).then(wanted => {{
    if (!wanted) return;
    ({_RUN})().then(violations => window.__axeReport(key, location.href, violations));
  }});
}});
"""


@dataclass
class Checks:
    """The pages checked in this process, and what each showed."""

    results: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def record(self, key: str, violations: list[dict[str, Any]]) -> list[str]:
        """Keep a page's result; returns its failing violations, one line each."""
        self.results[key] = violations
        self._write()
        return [
            f"axe {v['impact']}: {v['id']} ({v['help']}) on {key} at {', '.join(v['nodes'])}"
            for v in violations
            if v.get("impact") in FAILING
        ]

    def _write(self) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        summary = {
            key: [f"{v['impact']}: {v['id']}" for v in found] or ["no violation"]
            for key, found in sorted(self.results.items())
        }
        (ARTIFACTS / f"accessibility-{worker}.json").write_text(json.dumps(summary, indent=1))


CHECKS = Checks()
# Each watched context's list of problems, so a journey can check a page before leaving it.
_PROBLEMS: dict[int, list[str]] = {}


def watch(context: BrowserContext, problems: list[str]) -> None:
    """Check every page ``context`` loads, adding failing violations to ``problems``."""

    def wanted(_source: object, key: str) -> bool:
        return key not in CHECKS.results

    def report(_source: object, key: str, url: str, violations: list[dict[str, Any]]) -> None:
        problems.extend(f"{line} ({url})" for line in CHECKS.record(key, violations))

    _PROBLEMS[id(context)] = problems
    context.expose_binding("__axeWanted", wanted)
    context.expose_binding("__axeReport", report)
    context.add_init_script(script=_AXE + "\n" + _ON_LOAD)


def check(page: Page) -> None:
    """Check the page as it is now, before a journey moves on from it."""
    check_now(page, _PROBLEMS.setdefault(id(page.context), []))


def check_now(page: Page, problems: list[str]) -> None:
    """Check the page as it is now (the last one a journey showed, after its changes)."""
    if page.is_closed() or not page.url.startswith("http"):
        return
    try:
        key = page.evaluate(_KEY)
        if key in CHECKS.results:
            return
        violations = page.evaluate(_RUN)
    except Exception:
        return
    problems.extend(f"{line} ({page.url})" for line in CHECKS.record(key, violations))
