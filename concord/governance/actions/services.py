"""The rules of action items: who adds and closes them, what is overdue, and reminders.

A reminder is claimed by compare-and-set on ``reminded_for`` before the message is written,
in the same transaction: two workers, or a job run twice, send one reminder per item per due
date. Moving the due date makes the item due a reminder again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from concord.accounts.models import User
from concord.accounts.viewer import Viewer
from concord.audit import chain
from concord.db import utcnow
from concord.errors import InvalidInput
from concord.governance.actions.models import ActionItem, ActionStatus
from concord.governance.meetings.models import Meeting
from concord.governance.meetings.services import parse_owner
from concord.governance.permissions import NotAllowed, NotFound, require_secretariat
from concord.inputs import Window, chosen_row, parse_day
from concord.mail.outbox import send_staff_mail
from concord.problems.rows import each_row
from concord.settings import Settings

# An action item may be noted late (due a while ago) and be due up to five years ahead.
DUE = Window("The due date", past=366, future=5 * 365)


def add_action(
    session: Session,
    viewer: Viewer,
    *,
    title: str,
    owner: str,
    due_on: str,
    meeting: str = "",
    form_key: str | None = None,
) -> ActionItem:
    """Record an action item, optionally from a meeting."""
    require_secretariat(viewer)
    if form_key and (done := session.scalar(select(ActionItem).filter_by(form_key=form_key))):
        return done
    errors: dict[str, str] = {}
    title = title.strip()
    if not title or len(title) > 300:
        errors["title"] = "Say what is to be done (at most 300 characters)."
    owner_id = parse_owner(session, errors, owner, required=True)
    due = date(1970, 1, 1)
    try:
        due = parse_day(due_on, "due_on", DUE)
    except InvalidInput as error:
        errors.update(error.errors)
    meeting_id = None
    if meeting.strip():
        found = chosen_row(session, Meeting, meeting)
        if found is None:
            errors["meeting"] = "Choose a meeting from the list."
        else:
            meeting_id = found.id
    if errors:
        raise InvalidInput(errors)
    assert owner_id is not None
    item = ActionItem(
        title=title,
        owner_id=owner_id,
        due_on=due,
        status=ActionStatus.OPEN,
        meeting_id=meeting_id,
        created_by=viewer.actor,
        form_key=form_key,
    )
    session.add(item)
    session.flush()
    chain.record(session, actor=viewer.actor, action="actions.add", object_ref=f"action:{item.id}")
    return item


def get_action(session: Session, action_id: int) -> ActionItem:
    item = session.get(ActionItem, action_id)
    if item is None:
        raise NotFound("no such action item")
    return item


def set_status(session: Session, viewer: Viewer, action_id: int, status: str) -> ActionItem:
    """Mark an item done, dropped or open again: the secretariat, or the item's owner."""
    item = get_action(session, action_id)
    if not (viewer.is_secretariat or viewer.id == item.owner_id):
        raise NotAllowed("only the secretariat or the owner changes an action item")
    try:
        new = ActionStatus(status)
    except ValueError:
        raise InvalidInput.one("status", "Choose open, done or dropped.") from None
    if item.status is not new:
        item.status = new
        item.updated_at = utcnow()
        item.sequence += 1
        session.flush()
        chain.record(
            session,
            actor=viewer.actor,
            action="actions.status",
            object_ref=f"action:{item.id}",
            detail=new.value,
        )
    return item


def open_actions(session: Session) -> Sequence[ActionItem]:
    query = select(ActionItem).where(ActionItem.status == ActionStatus.OPEN)
    return session.scalars(query.order_by(ActionItem.due_on, ActionItem.id)).all()


def overdue(session: Session, today: date | None = None) -> Sequence[ActionItem]:
    """Open items whose due date has passed."""
    today = today or utcnow().date()
    query = select(ActionItem).where(
        ActionItem.status == ActionStatus.OPEN, ActionItem.due_on < today
    )
    return session.scalars(query.order_by(ActionItem.due_on, ActionItem.id)).all()


def closed_recently(session: Session, limit: int = 20) -> Sequence[ActionItem]:
    query = select(ActionItem).where(ActionItem.status != ActionStatus.OPEN)
    return session.scalars(query.order_by(ActionItem.updated_at.desc()).limit(limit)).all()


def actions_of_meeting(session: Session, meeting_id: int) -> Sequence[ActionItem]:
    query = select(ActionItem).where(ActionItem.meeting_id == meeting_id)
    return session.scalars(query.order_by(ActionItem.due_on, ActionItem.id)).all()


def actions_between(session: Session, start: date, end: date) -> Sequence[ActionItem]:
    """Action items (any status) due on days from ``start`` to ``end``, both included."""
    query = select(ActionItem).where(ActionItem.due_on >= start, ActionItem.due_on <= end)
    return session.scalars(query.order_by(ActionItem.due_on, ActionItem.id)).all()


def send_reminders(session: Session, settings: Settings, today: date | None = None) -> int:
    """Remind the owner of each open item due within ``settings.reminder_days``; return how many.

    Items already overdue get no reminder here: they are listed as overdue instead.
    """
    today = today or utcnow().date()
    horizon = today + timedelta(days=settings.reminder_days)
    due = session.scalars(
        select(ActionItem).where(
            ActionItem.status == ActionStatus.OPEN,
            ActionItem.due_on >= today,
            ActionItem.due_on <= horizon,
            or_(ActionItem.reminded_for.is_(None), ActionItem.reminded_for != ActionItem.due_on),
        )
    ).all()

    def remind(item: ActionItem) -> bool:
        claimed = session.execute(
            update(ActionItem)
            .where(
                ActionItem.id == item.id,
                ActionItem.status == ActionStatus.OPEN,
                ActionItem.due_on == item.due_on,
                or_(
                    ActionItem.reminded_for.is_(None),
                    ActionItem.reminded_for != ActionItem.due_on,
                ),
            )
            .values(reminded_for=item.due_on)
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]
        if claimed != 1:
            return False
        owner = session.get_one(User, item.owner_id)
        if not owner.is_active:
            return False
        send_staff_mail(
            session,
            settings,
            to=owner.email,
            language=owner.language,
            template="action_reminder",
            context={
                "owner": owner,
                "item": item,
                "days": (item.due_on - today).days,
                "link": f"{settings.public_url}/governance/actions",
            },
        )
        return True

    return each_row(
        session, "actions.remind", "action item", due, remind, ident=lambda item: item.id
    ).done
