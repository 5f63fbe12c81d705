"""Objection to direct marketing (GDPR Art. 21(2), (3)): absolute, and effective at once.

The person's identifiers go on the suppression list (no import brings them back) and every
purpose whose DPV code is direct marketing, or a kind of it, gets a withdrawal in the ledger
for each of its channels. Other purposes are untouched: objecting to newsletters is not
objecting to being told about a consultation one's organisation takes part in.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from consent.contacts.models import Contact
from consent.ledger import services as ledger
from consent.ledger.models import CollectionMethod, ConsentState, CurrentConsent
from consent.purposes.models import Purpose
from consent.suppression.services import SuppressionKey, suppress

# dpv:DirectMarketing and the DPV purposes that are forms of marketing to the person.
DIRECT_MARKETING_CODES = frozenset(
    {
        "dpv:DirectMarketing",
        "dpv:Marketing",
        "dpv:Advertising",
        "dpv:PersonalisedAdvertising",
        "dpv:TargetedAdvertising",
    }
)
OBJECTION = "objection"


def direct_marketing_purposes(session: Session) -> list[Purpose]:
    return list(session.scalars(select(Purpose).where(Purpose.code.in_(DIRECT_MARKETING_CODES))))


def object_to_direct_marketing(
    session: Session,
    contact: Contact,
    *,
    key: SuppressionKey,
    actor: str,
    method: CollectionMethod = CollectionMethod.STAFF,
) -> int:
    """Suppress the person and withdraw direct-marketing consent; returns the ledger entries.

    Running it again adds no entries for purposes already withdrawn.
    """
    suppress(session, key, [(i.kind, i.value) for i in contact.identifiers], reason=OBJECTION)
    appended = 0
    for purpose in direct_marketing_purposes(session):
        for channel in purpose.channel_list:
            now = session.get(CurrentConsent, (contact.id, purpose.id, channel))
            if now is not None and now.state in (ConsentState.WITHDRAWN, ConsentState.REFUSED):
                continue
            ledger.append(
                session,
                contact_id=contact.id,
                purpose=purpose,
                channel=channel,
                state=ConsentState.WITHDRAWN,
                method=method,
                actor=actor,
                source="objection to direct marketing",
            )
            appended += 1
    return appended
