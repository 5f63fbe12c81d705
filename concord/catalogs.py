"""Keeping the catalogs current: extract every marked text, and merge it into each language.

``concord translations update`` runs both; the tests check that extraction finds nothing the
catalogs lack, and that every catalog is complete.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from concord.languages import DEFAULT, SHIPPED
from concord.translations import DOMAIN, KEYWORDS, catalog_path

ROOT = Path(__file__).resolve().parent.parent
MAPPING = ROOT / "babel.cfg"


def extract() -> Catalog:
    """Every marked text of the code and templates, as a template catalog."""
    with MAPPING.open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)  # type: ignore[no-untyped-call]
    template = Catalog(domain=DOMAIN, project="Concord", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def read(language: str) -> Catalog:
    with catalog_path(language).open("rb") as source:
        return read_po(source, locale=language, domain=DOMAIN)


def update() -> dict[str, int]:
    """Merge the extracted texts into every language's catalog; returns how many of each
    language's messages now lack a translation."""
    template = extract()
    missing: dict[str, int] = {}
    for language in SHIPPED:
        if language == DEFAULT:
            continue
        path = catalog_path(language)
        if path.exists():
            catalog = read(language)
            catalog.update(template, update_header_comment=False)
        else:
            catalog = Catalog(locale=language, domain=DOMAIN, project="Concord")
            catalog.update(template)
        catalog.fuzzy = False  # the header: each message has its own flag
        catalog.last_translator = "Concord translators"
        catalog.language_team = f"{SHIPPED[language]} <translations@concord.invalid>"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:
            write_po(out, catalog, width=100, omit_header=False, ignore_obsolete=True)
        missing[language] = sum(1 for m in catalog if m.id and (not m.string or m.fuzzy))
    return missing
