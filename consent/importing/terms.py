"""What staff state about a list before importing it: lawful basis, source and purpose."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from concord.errors import InvalidInput
from concord.languages import language_tag
from consent.purposes.models import LegalBasis, Purpose
from consent.purposes.services import by_code

DEFAULT_PURPOSE = "dpv:CommunicationManagement"
MAX_SOURCE = 300


@dataclass(frozen=True)
class ImportTerms:
    """Why the partner may hold the people on a list, where the list came from, and for what."""

    lawful_basis: LegalBasis
    source: str
    purpose_code: str
    # For a consent list: the language in which its source showed the purpose's notice.
    notice_language: str = ""


def check_terms(
    session: Session,
    *,
    lawful_basis: str,
    source: str,
    purpose_code: str = "",
    notice_language: str = "",
) -> tuple[ImportTerms, Purpose]:
    """The terms and their purpose, or :class:`InvalidInput` naming each field that is wrong.

    A purpose that relies on consent takes only lists whose people gave consent: importing a
    list held on legitimate interest under it would claim a consent nobody gave.
    """
    errors: dict[str, str] = {}
    try:
        basis = LegalBasis(lawful_basis.strip())
    except ValueError:
        errors["lawful_basis"] = "Choose the lawful basis on which you hold these people."
    cleaned_source = " ".join(source.split())
    if not cleaned_source:
        errors["source"] = "Say where the list comes from (an event, a form, a partner...)."
    elif len(cleaned_source) > MAX_SOURCE:
        errors["source"] = f"Keep the source under {MAX_SOURCE} characters."
    code = purpose_code.strip() or DEFAULT_PURPOSE
    purpose = by_code(session, code)
    if purpose is None:
        errors["purpose"] = "This vault has no such purpose."
    elif (
        "lawful_basis" not in errors
        and purpose.legal_basis is LegalBasis.CONSENT
        and basis is not LegalBasis.CONSENT
    ):
        errors["lawful_basis"] = (
            f"“{purpose.name}” relies on consent: import only lists of people who gave it."
        )
    language = language_tag(notice_language[:35])
    if language is None:
        errors["notice_language"] = "Choose the language the source showed the notice in."
    if errors or purpose is None:
        raise InvalidInput(errors)
    if basis is LegalBasis.CONSENT:
        # Blank: the source showed the purpose's notice in its own language.
        notice = purpose.current_notice
        language = language or (notice.language if notice else "")
    else:
        language = ""  # nobody was shown a notice to agree to
    return ImportTerms(basis, cleaned_source, code, language), purpose
