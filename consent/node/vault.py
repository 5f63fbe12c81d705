"""A node's port: the vault's own answers, plus what its folder keeps of the partnership:
its key and its facts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from concord.federation.keys import SealingPair
from consent.in_process import InProcessVault
from consent.node import partnership_facts, partnership_key
from consent.node.enrolment import SEALING_KEY
from consent.public import NoMatchingKey, PartnershipFacts, PartnershipKeyStatus


class NodeVault:
    """The port a node serves: every method of its vault, and the partnership key's."""

    def __init__(self, vault: InProcessVault, folder: Path) -> None:
        self._vault = vault
        self._folder = folder

    def __getattr__(self, method: str) -> Any:
        return getattr(self._vault, method)

    def _pair(self) -> SealingPair:
        return SealingPair.load(self._folder / SEALING_KEY)

    def partnership_key_status(self) -> PartnershipKeyStatus:
        key = partnership_key.read(self._folder)
        return PartnershipKeyStatus(
            key.key_id if key else None, key.created if key else None, self._pair().public_text
        )

    def start_partnership_key(self) -> PartnershipKeyStatus:
        if partnership_key.read(self._folder) is None:
            partnership_key.generate(self._folder)
        return self.partnership_key_status()

    def seal_partnership_key(self, recipient_sealing_key: str) -> bytes:
        try:
            return partnership_key.seal_for(self._folder, recipient_sealing_key)
        except (partnership_key.SealError, ValueError) as error:
            raise NoMatchingKey(str(error)) from None

    def accept_partnership_key(self, sealed: bytes) -> PartnershipKeyStatus:
        try:
            partnership_key.accept(self._folder, sealed, self._pair())
        except partnership_key.SealError as error:
            raise NoMatchingKey(str(error)) from None
        return self.partnership_key_status()

    def learn_partnership(self, facts: PartnershipFacts) -> None:
        partnership_facts.write(self._folder, facts)
