"""The glossary crosswalk: the secretariat keeps the shared terms, each partner's staff keep
their own column (what their organisation calls the term, and how it defines it). Every change
is kept as an edit with who, when, before and after."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.accounts.models import User
from concord.audit import chain
from concord.db import utcnow
from concord.errors import InvalidInput
from concord.governance.errors import Missing, NotAllowed
from concord.governance.glossary.models import GlossaryEdit, GlossaryTerm, PartnerWording
from concord.partners.models import Partner
from concord.partners.services import by_slug

MAX_TERM = 200
MAX_DEFINITION = 5000


def _clean(term: str, definition: str) -> tuple[str, str]:
    term = " ".join(term.split())
    definition = definition.replace("\r\n", "\n").strip()
    errors: dict[str, str] = {}
    if not term or len(term) > MAX_TERM:
        errors["term"] = f"Give the term (at most {MAX_TERM} characters)."
    if len(definition) > MAX_DEFINITION:
        errors["definition"] = f"Keep the definition to {MAX_DEFINITION} characters."
    if errors:
        raise InvalidInput(errors)
    return term, definition


def _log(
    session: Session,
    *,
    term_id: int,
    partner_id: int | None,
    editor_id: int,
    before: tuple[str, str],
    after: tuple[str, str],
) -> None:
    session.add(
        GlossaryEdit(
            term_id=term_id,
            partner_id=partner_id,
            edited_by=editor_id,
            edited_at=utcnow(),
            before_term=before[0],
            before_definition=before[1],
            after_term=after[0],
            after_definition=after[1],
        )
    )
    column = f"partner:{partner_id}" if partner_id else "shared"
    chain.record(
        session,
        actor=f"user:{editor_id}",
        action="glossary.edit",
        object_ref=f"glossary-term:{term_id}",
        detail=column,
    )


def _taken(session: Session, term: str, other_than: int | None = None) -> bool:
    found = session.scalar(select(GlossaryTerm.id).where(GlossaryTerm.term == term))
    return found is not None and found != other_than


def add_term(session: Session, *, term: str, definition: str, editor_id: int) -> GlossaryTerm:
    term, definition = _clean(term, definition)
    if _taken(session, term):
        raise InvalidInput.one("term", "This term is in the glossary already.")
    added = GlossaryTerm(term=term, definition=definition, updated_at=utcnow())
    session.add(added)
    session.flush()
    _log(
        session,
        term_id=added.id,
        partner_id=None,
        editor_id=editor_id,
        before=("", ""),
        after=(term, definition),
    )
    return added


def term(session: Session, term_id: int, *, lock: bool = False) -> GlossaryTerm:
    found = session.get(GlossaryTerm, term_id, with_for_update=lock)
    if found is None:
        raise Missing()
    return found


def edit_term(
    session: Session, term_id: int, *, term_text: str, definition: str, editor_id: int
) -> GlossaryTerm:
    """Change the shared term or its definition (the secretariat's column)."""
    shared = term(session, term_id, lock=True)
    new = _clean(term_text, definition)
    if _taken(session, new[0], other_than=shared.id):
        raise InvalidInput.one("term", "Another entry uses this term already.")
    before = (shared.term, shared.definition)
    if new == before:
        return shared
    shared.term, shared.definition = new
    shared.updated_at = utcnow()
    _log(session, term_id=shared.id, partner_id=None, editor_id=editor_id, before=before, after=new)
    return shared


def edit_wording(
    session: Session,
    term_id: int,
    *,
    partner_slug: str,
    term_text: str,
    definition: str,
    editor_id: int,
) -> PartnerWording:
    """Set what a partner calls a shared term; only that partner's own staff may."""
    shared = term(session, term_id, lock=True)
    editor = session.get(User, editor_id)
    partner = by_slug(session, partner_slug)
    if editor is None or partner is None or editor.partner_id != partner.id:
        raise NotAllowed("Only a partner's own staff edit its column of the glossary.")
    new = _clean(term_text, definition)
    wording = session.scalar(
        select(PartnerWording).where(
            PartnerWording.term_id == shared.id, PartnerWording.partner_id == partner.id
        )
    )
    before = (wording.term, wording.definition) if wording else ("", "")
    if new == before:
        if wording is None:
            raise InvalidInput.one("term", "Give your organisation's term.")
        return wording
    if wording is None:
        wording = PartnerWording(term_id=shared.id, partner_id=partner.id)
        session.add(wording)
    wording.term, wording.definition = new
    wording.updated_at = utcnow()
    session.flush()
    _log(
        session,
        term_id=shared.id,
        partner_id=partner.id,
        editor_id=editor_id,
        before=before,
        after=new,
    )
    return wording


@dataclass(frozen=True)
class Row:
    """One line of the crosswalk: the shared term and each partner's wording (or None)."""

    term: GlossaryTerm
    wordings: list[PartnerWording | None]


@dataclass(frozen=True)
class Crosswalk:
    partners: Sequence[Partner]
    rows: list[Row]


def crosswalk(session: Session) -> Crosswalk:
    partners = session.scalars(select(Partner).order_by(Partner.name)).all()
    wordings = {(w.term_id, w.partner_id): w for w in session.scalars(select(PartnerWording))}
    rows = [
        Row(shared, [wordings.get((shared.id, p.id)) for p in partners])
        for shared in session.scalars(select(GlossaryTerm).order_by(GlossaryTerm.term))
    ]
    return Crosswalk(partners, rows)


@dataclass(frozen=True)
class EditLine:
    edit: GlossaryEdit
    editor_name: str
    column: str


def history(session: Session, term_id: int) -> list[EditLine]:
    """Every edit of the term and its wordings, newest first."""
    names: dict[int, str] = {p.id: p.name for p in session.scalars(select(Partner))}
    lines: list[EditLine] = []
    for edit in session.scalars(
        select(GlossaryEdit)
        .where(GlossaryEdit.term_id == term_id)
        .order_by(GlossaryEdit.edited_at.desc(), GlossaryEdit.id.desc())
    ):
        editor = session.get(User, edit.edited_by)
        column = names.get(edit.partner_id, "?") if edit.partner_id else "Shared term"
        lines.append(EditLine(edit, editor.display_name if editor else "unknown", column))
    return lines
