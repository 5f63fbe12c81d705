"""Every hub table, imported in one place so that metadata and migrations see them all."""

from concord.accounts.models import ApiToken, LoginFailure, PasswordReset, Role, User, WebSession
from concord.audit.models import AuditEntry
from concord.categories.models import SharedCategory
from concord.db import HubBase
from concord.finder.models import FinderChallenge, FinderRequest, FinderSession
from concord.governance.actions.models import ActionItem
from concord.governance.decisions.models import Decision, Delegate, Position
from concord.governance.glossary.models import GlossaryEdit, GlossaryTerm, PartnerWording
from concord.governance.meetings.models import (
    AgendaItem,
    Meeting,
    MeetingSeries,
    PartnerAttendance,
    PersonAttendance,
)
from concord.governance.minutes.models import Minutes, MinutesAmendment, MinutesComment
from concord.governance.principles.models import PrinciplesSignature, PrinciplesVersion
from concord.governance.reviews.models import (
    PartnerReview,
    ReviewComment,
    ReviewDocument,
    ReviewRound,
)
from concord.mail.models import StaffMessage
from concord.partners.models import Partner
from concord.problems.models import DataProblem

__all__ = [
    "ActionItem",
    "AgendaItem",
    "ApiToken",
    "AuditEntry",
    "DataProblem",
    "Decision",
    "Delegate",
    "FinderChallenge",
    "FinderRequest",
    "FinderSession",
    "GlossaryEdit",
    "GlossaryTerm",
    "HubBase",
    "LoginFailure",
    "Meeting",
    "MeetingSeries",
    "Minutes",
    "MinutesAmendment",
    "MinutesComment",
    "Partner",
    "PartnerAttendance",
    "PartnerReview",
    "PartnerWording",
    "PasswordReset",
    "PersonAttendance",
    "Position",
    "PrinciplesSignature",
    "PrinciplesVersion",
    "ReviewComment",
    "ReviewDocument",
    "ReviewRound",
    "Role",
    "SharedCategory",
    "StaffMessage",
    "User",
    "WebSession",
]
