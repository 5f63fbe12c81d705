"""What the hub last told this node of the partnership, kept in its folder.

The node's pages need the partnership's shared categories (to map the partner's own
categories to them) and whether per-contact flags may come back (for its records of
processing). Both are decided at the hub, which tells every node again each minute.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from consent.public import PartnershipFacts

FACTS = "partnership.json"


def write(folder: Path, facts: PartnershipFacts) -> None:
    """Keep ``facts``, replacing what was kept (never a half-written file)."""
    record = {"shared_categories": facts.shared_categories, "contact_flags": facts.contact_flags}
    draft = folder / (FACTS + ".new")
    draft.write_text(json.dumps(record, sort_keys=True, indent=1), "utf-8")
    os.replace(draft, folder / FACTS)


def read(folder: Path) -> PartnershipFacts:
    """What was kept; nothing shared and no flags until the hub has said otherwise."""
    path = folder / FACTS
    if not path.exists():
        return PartnershipFacts(shared_categories={}, contact_flags=False)
    record = json.loads(path.read_text("utf-8"))
    return PartnershipFacts(
        shared_categories={str(k): str(v) for k, v in record["shared_categories"].items()},
        contact_flags=bool(record["contact_flags"]),
    )
