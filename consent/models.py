"""Every vault table, imported in one place so that metadata and migrations see them all."""

from consent.audiences.models import AudienceExclusion, AudiencePseudonym
from consent.audit.models import VaultAuditEntry
from consent.contacts.models import CategoryMapping, Contact, ContactChange, ContactTag, Identifier
from consent.db import VaultBase
from consent.importing.models import ImportBatch, RejectedRow
from consent.invitations.models import Invitation, InvitedEvent
from consent.ledger.models import ConsentEvent, CurrentConsent
from consent.links.models import StakeholderLink
from consent.mail_settings.models import MailSettings
from consent.outbox.models import OutboxMessage
from consent.overlap.models import OverlapFlag, RoundPseudonym
from consent.purposes.models import Notice, NoticeText, Purpose
from consent.rights.models import RequestExtension, RightsRequest
from consent.suppression.models import Suppression
from consent.vault_info import VaultInfo

__all__ = [
    "AudienceExclusion",
    "AudiencePseudonym",
    "CategoryMapping",
    "ConsentEvent",
    "Contact",
    "ContactChange",
    "ContactTag",
    "CurrentConsent",
    "Identifier",
    "ImportBatch",
    "Invitation",
    "InvitedEvent",
    "MailSettings",
    "Notice",
    "NoticeText",
    "OutboxMessage",
    "OverlapFlag",
    "Purpose",
    "RejectedRow",
    "RequestExtension",
    "RightsRequest",
    "RoundPseudonym",
    "StakeholderLink",
    "Suppression",
    "VaultAuditEntry",
    "VaultBase",
    "VaultInfo",
]
