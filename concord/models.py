"""Every hub table, imported in one place so that metadata and migrations see them all."""

from concord.accounts.models import ApiToken, LoginFailure, PasswordReset, Role, User, WebSession
from concord.audit.models import AuditEntry
from concord.categories.models import SharedCategory
from concord.db import HubBase
from concord.governance.decisions.models import Decision, Delegate, Position
from concord.governance.glossary.models import GlossaryEdit, GlossaryTerm, PartnerWording
from concord.governance.principles.models import PrinciplesSignature, PrinciplesVersion
from concord.mail.models import StaffMessage
from concord.partners.models import Partner

__all__ = [
    "ApiToken",
    "AuditEntry",
    "Decision",
    "Delegate",
    "GlossaryEdit",
    "GlossaryTerm",
    "HubBase",
    "LoginFailure",
    "Partner",
    "PartnerWording",
    "PasswordReset",
    "Position",
    "PrinciplesSignature",
    "PrinciplesVersion",
    "Role",
    "SharedCategory",
    "StaffMessage",
    "User",
    "WebSession",
]
