"""Which vault issued a token: a link names its partner, so that one vault is asked.

Links sent before partners were named in them (no ``<partner>.`` prefix) are looked for in
each partner's vault in turn.
"""

from __future__ import annotations

from dataclasses import dataclass

from consent.db import Vaults
from consent.host import Host
from consent.links.models import LinkKind
from consent.links.services import LinkProblem, resolve


@dataclass(frozen=True)
class LinkHolder:
    """The partner whose vault issued a link, and the contact it names."""

    partner_slug: str
    partner_name: str
    contact_id: int


def locate(host: Host, vaults: Vaults, token: str, kind: LinkKind) -> LinkHolder:
    """The vault holding a valid link of ``kind``; :class:`LinkProblem` 404 or 410 otherwise."""
    problem = LinkProblem(404)
    everyone = [(p.slug, p.name) for p in host.partners()]
    named, dot, _ = token.partition(".")
    for slug, name in [p for p in everyone if p[0] == named] if dot else everyone:
        with vaults.transaction(slug) as session:
            try:
                link = resolve(session, token, kind)
            except LinkProblem as found:
                if found.status == 410:
                    problem = found
                continue
            return LinkHolder(slug, name, link.contact_id)
    raise problem
