"""The shared calendar on the web: the month, week and agenda views for everybody signed in,
a partner's own items for its comms staff and admins, and the iCalendar feeds.

Controllers only translate; the rules live in :mod:`outreach.calendar.items`,
:mod:`outreach.calendar.evaluation` and :mod:`outreach.calendar.views`.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, timedelta
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.accounts.models import User
from concord.audit import chain
from concord.categories.models import SharedCategory
from concord.errors import InvalidInput
from concord.governance.calendar_entries import entries_between
from concord.hub import Hub
from concord.inputs import row_id
from concord.partners.models import Partner
from concord.partnership import settings as partnership
from concord.problems import services as problems
from concord.web.access import Access, access
from concord.web.pages import FormBody, page, see_other, viewer_of
from consent.public import (
    AudienceChoices,
    AudienceSegment,
    NodeUnavailable,
    PurposeSummary,
    VaultDirectory,
)
from outreach.calendar import sending, views
from outreach.calendar.evaluation import Evaluation, evaluate
from outreach.calendar.feeds import (
    build_feed,
    feed_entries,
    feed_for,
    feed_items,
    feeds_of,
    issue_feed,
    revoke_feed,
)
from outreach.calendar.items import (
    EditConflict,
    create_item,
    leave_out_over_cap,
    move_item,
    own_item,
    parse_item,
    refresh_audience,
    stored_problem,
    update_item,
    words,
)
from outreach.calendar.models import (
    FeedScope,
    ItemChannel,
    ItemKind,
    ItemStatus,
    OutreachItem,
    Visibility,
)
from outreach.matching.disclosure import publish

ITEMS = "outreach/calendar/items/page.html"
ITEM = "outreach/calendar/item/page.html"
SEND_NOW = "outreach/calendar/send_now/page.html"
NEW = "outreach/calendar/new/page.html"
AUDIENCE = "outreach/calendar/item/_audience.html"
SENDING = "outreach/calendar/item/_sending.html"
CALENDAR = "outreach/calendar/calendar/page.html"
CALENDAR_PARTIAL = "outreach/calendar/calendar/_calendar.html"
VIEW = "outreach/calendar/view/page.html"
FEEDS = "outreach/calendar/feeds/page.html"


def _form_of(item: OutreachItem) -> dict[str, str]:
    """An item as the values of its edit form (local times in its own time zone)."""
    return {
        "title": item.title,
        "kind": item.kind.value,
        "channel": item.channel.value,
        "purpose_code": item.purpose_code,
        "topics": item.topics,
        "audience_category": item.audience_category,
        "audience_tags": item.audience_tags,
        "starts_at": views.local_start(item).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": views.local_end(item).strftime("%Y-%m-%dT%H:%M"),
        "timezone": item.timezone,
        "status": item.status.value,
        "visibility": item.visibility.value,
        "version": str(item.version),
        "item_ref": item.id,
    }


def _choices(
    hub: Hub, directory: VaultDirectory, partner: str, form: dict[str, str] | None = None
) -> dict[str, Any]:
    """The options of the item form's lists, the audience ones from the owner's vault. When
    the vault's node cannot be reached, a form being re-rendered keeps its own choices, so
    nothing typed is lost."""
    try:
        choices = directory.vault(partner).audience_choices()
    except NodeUnavailable:
        if form is None:
            raise
        kept = form.get("purpose_code", "")
        choices = AudienceChoices(
            purposes=[PurposeSummary(kept, kept, (form.get("channel", ""),))] if kept else [],
            categories=[],
            tags=[],
        )
    with hub.transaction() as session:
        shared = session.execute(
            select(SharedCategory.slug, SharedCategory.name).order_by(SharedCategory.name)
        ).all()
    return {
        "kind_options": [(k.value, k.label) for k in ItemKind],
        "channel_options": [(c.value, c.label) for c in ItemChannel],
        # "Sending" is the worker's to set, never a person's.
        "status_options": [(s.value, s.label) for s in ItemStatus if s is not ItemStatus.SENDING],
        "visibility_options": [(v.value, v.label) for v in Visibility],
        "purpose_options": [
            ("", "Choose…"),
            *((p.code, f"{p.name} ({', '.join(p.channels)})") for p in choices.purposes),
        ],
        "category_options": [
            ("", "All contacts"),
            *((f"own:{c}", c) for c in choices.categories),
            *((f"shared:{slug}", f"Shared category: {name}") for slug, name in shared),
        ],
        "tags": choices.tags,
    }


def _segment(form: dict[str, str]) -> AudienceSegment:
    return AudienceSegment(
        form.get("purpose_code", ""),
        form.get("channel", ""),
        form.get("audience_category", ""),
        words(form.get("audience_tags", "")),
    )


def _size(directory: VaultDirectory, hub: Hub, partner: str, form: dict[str, str]) -> int | None:
    segment = _segment(form)
    if not segment.purpose_code or segment.channel not in {c.value for c in ItemChannel}:
        return None
    # On an item's own page, the contacts left out of it are not counted.
    return directory.vault(partner).audience_size(segment, item_ref=form.get("item_ref") or None)


class CalendarItemsController(Controller):
    """One partner's outreach items: list, plan, edit, move; its comms staff and admins only."""

    path = "/partners/{partner:str}/calendar"
    include_in_schema = False

    @get("/items", sync_to_thread=True, opt=access(Access.PARTNER_VAULT))
    def items(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], partner: FromPath[str]
    ) -> Template:
        with hub.transaction() as session:
            found = session.scalars(
                select(OutreachItem)
                .where(OutreachItem.partner_slug == partner)
                .order_by(OutreachItem.starts_at.desc())
            ).all()
        return page(request, ITEMS, {"partner": partner, "items": found})

    @get("/items/new", sync_to_thread=True, opt=access(Access.PARTNER_VAULT))
    def new(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        directory: NamedDependency[VaultDirectory],
        partner: FromPath[str],
        day: FromQuery[str | None] = None,
    ) -> Template:
        with hub.transaction() as session:
            zone = session.scalar(select(Partner.timezone).where(Partner.slug == partner))
        start = views.parse_day(day, date.today() + timedelta(days=7))
        form = {
            "timezone": zone or "UTC",
            "starts_at": f"{start.isoformat()}T10:00",
            "ends_at": f"{start.isoformat()}T11:00",
            "status": ItemStatus.PLANNED.value,
            "visibility": Visibility.PARTNERSHIP.value,
            "channel": ItemChannel.EMAIL.value,
            "kind": ItemKind.NEWSLETTER.value,
        }
        return self._new(request, hub, directory, partner, form, {})

    def _new(
        self,
        request: Request[Any, Any, Any],
        hub: Hub,
        directory: VaultDirectory,
        partner: str,
        form: dict[str, str],
        errors: dict[str, str],
        *,
        size: int | None = None,
        status: int = 200,
    ) -> Template:
        context = {
            "partner": partner,
            "form": {**form, "form_key": form.get("form_key") or secrets.token_hex(16)},
            "errors": errors,
            "size": size,
            **_choices(hub, directory, partner, form),
        }
        return page(request, NEW, context, status_code=status)

    @post("/items", sync_to_thread=True, opt=access(Access.PARTNER_VAULT))
    def create(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        directory: NamedDependency[VaultDirectory],
        partner: FromPath[str],
        data: FormBody,
    ) -> Response[Any]:
        try:
            fields = parse_item(data)
            item_id = create_item(
                hub,
                directory,
                partner,
                fields,
                actor=viewer_of(request).actor,
                form_key=data.get("form_key", ""),
            )
        except InvalidInput as error:
            return self._new(request, hub, directory, partner, data, error.errors, status=400)
        return see_other(f"/partners/{partner}/calendar/items/{item_id}")

    @get("/audience", sync_to_thread=True, opt=access(Access.PARTNER_VAULT))
    def audience(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        directory: NamedDependency[VaultDirectory],
        partner: FromPath[str],
    ) -> Template:
        """The size of the audience the form describes: a fragment for htmx, or the form
        again with the size (the button for browsers without JavaScript)."""
        form = {k: str(v) for k, v in request.query_params.items() if k != "_csrf_token"}
        size = _size(directory, hub, partner, form)
        if request.headers.get("hx-request"):
            return Template(template_name=AUDIENCE, context={"size": size})
        if form.get("item_ref"):
            return self._item(
                request, hub, directory, partner, form["item_ref"], form=form, errors={}, size=size
            )
        return self._new(request, hub, directory, partner, form, {}, size=size)

    @get("/items/{item_id:str}", sync_to_thread=True, opt=access(Access.PARTNER_VAULT))
    def item(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        directory: NamedDependency[VaultDirectory],
        partner: FromPath[str],
        item_id: FromPath[str],
    ) -> Template:
        return self._item(request, hub, directory, partner, item_id, form=None, errors={})

    def _item(
        self,
        request: Request[Any, Any, Any],
        hub: Hub,
        directory: VaultDirectory,
        partner: str,
        item_id: str,
        *,
        form: dict[str, str] | None,
        errors: dict[str, str],
        conflict: OutreachItem | None = None,
        size: int | None = None,
        status: int = 200,
        message_form: dict[str, str] | None = None,
        message_errors: dict[str, str] | None = None,
    ) -> Template:
        with hub.transaction() as session:
            item = own_item(session, partner, item_id)
            rules = partnership.current(session)
            sending_context = _sending_context(session, item) if item is not None else {}
            noted = list(problems.of_row(session, "outreach item", item_id))
        flags_allowed = rules.disclosure is partnership.Disclosure.CONTACT_FLAGS
        count = row_id(request.query_params.get("left_out", ""))
        left_out = publish(count, rules).label(rules.suppression_threshold) if count else None
        if item is None:
            raise NotFoundException()
        problem = stored_problem(item)
        report = None if problem else evaluate(hub, item_id)
        context = {
            "partner": partner,
            "item": item,
            "report": report,
            "form": form if form is not None else _form_of(item),
            "errors": errors,
            "conflict": _form_of(conflict) if conflict is not None else None,
            "flags_allowed": flags_allowed,
            "left_out": left_out,
            "stored_problem": problem,
            "noted_problems": noted,
            "size": size if size is not None else _size(directory, hub, partner, _form_of(item)),
            **sending_context,
            **_choices(hub, directory, partner),
        }
        if message_form is not None:
            context["message_form"] = message_form
        context["message_errors"] = message_errors or {}
        return page(request, ITEM, context, status_code=status)

    @post("/items/{item_id:str}/message", sync_to_thread=True, opt=access(Access.PARTNER_VAULT))
    def message(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        directory: NamedDependency[VaultDirectory],
        partner: FromPath[str],
        item_id: FromPath[str],
        data: FormBody,
    ) -> Response[Any]:
        """Choose the subject and body the item's recipients get."""
        try:
            subject, body = sending.parse_message(data)
            sending.save_message(
                hub, partner, item_id, subject, body, actor=viewer_of(request).actor
            )
        except InvalidInput as error:
            return self._item(
                request,
                hub,
                directory,
                partner,
                item_id,
                form=None,
                errors={},
                status=400,
                message_form={"subject": data.get("subject", ""), "body": data.get("body", "")},
                message_errors=error.errors,
            )
        except LookupError:
            raise NotFoundException() from None
        return see_other(f"/partners/{partner}/calendar/items/{item_id}?message_saved=1#sending")

    @get("/items/{item_id:str}/send-now", sync_to_thread=True, opt=access(Access.PARTNER_VAULT))
    def confirm_send_now(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        directory: NamedDependency[VaultDirectory],
        partner: FromPath[str],
        item_id: FromPath[str],
    ) -> Template:
        """Ask before sending: how many people the message goes to, and that it cannot wait."""
        return self._send_now_page(request, hub, directory, partner, item_id, errors={})

    @post("/items/{item_id:str}/send-now", sync_to_thread=True, opt=access(Access.PARTNER_VAULT))
    def send_now(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        directory: NamedDependency[VaultDirectory],
        partner: FromPath[str],
        item_id: FromPath[str],
        data: FormBody,
    ) -> Response[Any]:
        try:
            sending.send_now(
                hub,
                partner,
                item_id,
                expected_version=_version(data),
                actor=viewer_of(request).actor,
            )
        except InvalidInput as error:
            return self._send_now_page(
                request, hub, directory, partner, item_id, errors=error.errors, status=400
            )
        except LookupError:
            raise NotFoundException() from None
        refresh_audience(hub, directory, item_id)
        return see_other(f"/partners/{partner}/calendar/items/{item_id}?send_now=1#sending")

    def _send_now_page(
        self,
        request: Request[Any, Any, Any],
        hub: Hub,
        directory: VaultDirectory,
        partner: str,
        item_id: str,
        *,
        errors: dict[str, str],
        status: int = 200,
    ) -> Template:
        with hub.transaction() as session:
            item = own_item(session, partner, item_id)
            if item is None:
                raise NotFoundException()
            allowed = sending.can_send_now(item, sending.message_of(session, item_id))
            allowed = allowed and stored_problem(item) is None
            session.expunge(item)
        context = {
            "partner": partner,
            "item": item,
            "allowed": allowed,
            "recipients": _size(directory, hub, partner, _form_of(item)) if allowed else None,
            "errors": errors,
        }
        return page(request, SEND_NOW, context, status_code=status)

    @get("/items/{item_id:str}/sending", sync_to_thread=True, opt=access(Access.PARTNER_VAULT))
    def sending_progress(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        directory: NamedDependency[VaultDirectory],
        partner: FromPath[str],
        item_id: FromPath[str],
    ) -> Template:
        """The item's sending progress: the fragment htmx polls while it sends, or the page."""
        if not request.headers.get("hx-request"):
            return self._item(request, hub, directory, partner, item_id, form=None, errors={})
        with hub.transaction() as session:
            item = own_item(session, partner, item_id)
            if item is None:
                raise NotFoundException()
            context = {"partner": partner, "item": item, **_sending_context(session, item)}
        return Template(template_name=SENDING, context=context)

    @post("/items/{item_id:str}", sync_to_thread=True, opt=access(Access.PARTNER_VAULT))
    def update(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        directory: NamedDependency[VaultDirectory],
        partner: FromPath[str],
        item_id: FromPath[str],
        data: FormBody,
    ) -> Response[Any]:
        try:
            fields = parse_item(data)
            update_item(
                hub,
                directory,
                partner,
                item_id,
                fields,
                expected_version=_version(data),
                actor=viewer_of(request).actor,
            )
        except InvalidInput as error:
            return self._item(
                request,
                hub,
                directory,
                partner,
                item_id,
                form=data,
                errors=error.errors,
                status=400,
            )
        except EditConflict as conflict:
            return self._conflict(request, hub, directory, partner, item_id, data, conflict)
        except LookupError:
            raise NotFoundException() from None
        return see_other(f"/partners/{partner}/calendar/items/{item_id}?saved=1")

    def _conflict(
        self,
        request: Request[Any, Any, Any],
        hub: Hub,
        directory: VaultDirectory,
        partner: str,
        item_id: str,
        data: dict[str, str],
        conflict: EditConflict,
    ) -> Template:
        # The form keeps what this person typed, against the version now stored, so that a
        # second save is a deliberate choice after seeing the other person's values.
        form = {**data, "version": str(conflict.current.version)}
        return self._item(
            request,
            hub,
            directory,
            partner,
            item_id,
            form=form,
            errors={},
            conflict=conflict.current,
            status=409,
        )

    @post("/items/{item_id:str}/move", sync_to_thread=True, opt=access(Access.PARTNER_VAULT))
    def move(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        directory: NamedDependency[VaultDirectory],
        partner: FromPath[str],
        item_id: FromPath[str],
        data: FormBody,
    ) -> Response[Any]:
        try:
            day = date.fromisoformat(data.get("day", "").strip())
            move_item(
                hub,
                directory,
                partner,
                item_id,
                day,
                expected_version=_version(data),
                actor=viewer_of(request).actor,
            )
        except ValueError:
            return self._item(
                request,
                hub,
                directory,
                partner,
                item_id,
                form=None,
                errors={"day": "Choose a date to move the item to."},
                status=400,
            )
        except InvalidInput as error:
            return self._item(
                request,
                hub,
                directory,
                partner,
                item_id,
                form=None,
                errors=error.errors,
                status=400,
            )
        except EditConflict as conflict:
            return self._conflict(request, hub, directory, partner, item_id, data, conflict)
        except LookupError:
            raise NotFoundException() from None
        return see_other(f"/partners/{partner}/calendar/items/{item_id}?moved=1")

    @post("/items/{item_id:str}/leave-out", sync_to_thread=True, opt=access(Access.PARTNER_VAULT))
    def leave_out(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        directory: NamedDependency[VaultDirectory],
        partner: FromPath[str],
        item_id: FromPath[str],
    ) -> Response[Any]:
        """Leave the over-cap recipients out, where the principles allow per-contact answers."""
        try:
            count = leave_out_over_cap(
                hub, directory, partner, item_id, actor=viewer_of(request).actor
            )
        except InvalidInput as error:
            return self._item(
                request,
                hub,
                directory,
                partner,
                item_id,
                form=None,
                errors=error.errors,
                status=400,
            )
        except LookupError:
            raise NotFoundException() from None
        return see_other(f"/partners/{partner}/calendar/items/{item_id}?left_out={count}")


def _sending_context(session: Session, item: OutreachItem) -> dict[str, Any]:
    """What the item page's sending section shows: the chosen message and the progress."""
    row = sending.message_of(session, item.id)
    return {
        "sent_by_platform": item.channel is ItemChannel.EMAIL,
        "message_form": {
            "subject": row.subject if row else "",
            "body": row.body if row else "",
        },
        "message_ready": bool(row and row.subject and row.body),
        "message_editable": item.status in sending.EDITABLE,
        "progress": sending.progress_of(session, item),
        "missed": sending.missed(item),
        "can_send_now": sending.can_send_now(item, row) and stored_problem(item) is None,
    }


def _version(data: dict[str, str]) -> int:
    return row_id(data.get("version", "")) or -1


class CalendarController(Controller):
    """The shared calendar (month, week, agenda), one item's public view, and feed addresses."""

    path = "/calendar"
    include_in_schema = False

    @get("/", sync_to_thread=True, opt=access(Access.SIGNED_IN))
    def calendar(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        view: FromQuery[str] = "month",
        partner: FromQuery[str] = "",
        channel: FromQuery[str] = "",
        kind: FromQuery[str] = "",
        topic: FromQuery[str] = "",
    ) -> Template:
        viewer = viewer_of(request)
        view = view if view in views.VIEWS else "month"
        day = views.parse_day(request.query_params.get("date"), date.today())
        filters = views.Filters(partner, channel, kind, topic.strip().lower())
        if view == "month":
            first, last = views.month_range(day)
            previous, following = views.shift_month(day, -1), views.shift_month(day, 1)
        elif view == "week":
            first, last = views.week_range(day)
            previous, following = day - timedelta(days=7), day + timedelta(days=7)
        else:
            first, last = day, day + timedelta(days=41)
            previous, following = day - timedelta(days=42), day + timedelta(days=42)
        with hub.transaction() as session:
            found = views.items_between(session, viewer.partner_slug, first, last, filters)
            # Meetings and action items bind every partner: every signed-in user sees them.
            entries = entries_between(session, first, last)
            colours = views.colours(session)
            names = dict(session.execute(select(Partner.slug, Partner.name)).all())
        governance = views.entries_by_day(entries)
        context = {
            "view": view,
            "day": day,
            "first": first,
            "last": last,
            "items": found,
            "entries": entries,
            "entry_label": views.entry_label,
            "agenda_lines": views.agenda_lines(found, entries) if view == "agenda" else None,
            "weeks": views.month_grid(day, found, entries) if view == "month" else None,
            "week": (
                [
                    views.Day(
                        first + timedelta(days=n),
                        True,
                        [i for i in found if i.starts_at.date() == first + timedelta(days=n)],
                        governance.get(first + timedelta(days=n), []),
                    )
                    for n in range(7)
                ]
                if view == "week"
                else None
            ),
            "filters": filters,
            "colours": colours,
            "names": names,
            "kinds": list(ItemKind),
            "channels": list(ItemChannel),
            "link": lambda v, d: "/calendar?" + views.query_string(v, d, filters),
            "previous": previous,
            "following": following,
            "today": date.today(),
            "viewer_partner": viewer.partner_slug,
            "can_plan": viewer.partner_slug is not None and viewer.role.value in VAULT_ROLES,
        }
        return page(request, CALENDAR, context, partial=CALENDAR_PARTIAL)

    @get("/items/{item_id:str}", sync_to_thread=True, opt=access(Access.SIGNED_IN))
    def view_item(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], item_id: FromPath[str]
    ) -> Template:
        viewer = viewer_of(request)
        with hub.transaction() as session:
            item = session.get(OutreachItem, item_id)
            if item is None or not views.may_see(item, viewer.partner_slug):
                raise NotFoundException()
            names = dict(session.execute(select(Partner.slug, Partner.name)).all())
        report = Evaluation.from_json(item.clashes)
        own = viewer.partner_slug == item.partner_slug and viewer.role.value in VAULT_ROLES
        return page(
            request,
            VIEW,
            {
                "item": item,
                "names": names,
                "own": own,
                "clash_count": item.clash_count,
                "report": report if own else None,
                "start": views.local_start(item),
                "end": views.local_end(item),
            },
        )

    @get("/feeds", sync_to_thread=True, opt=access(Access.SIGNED_IN))
    def feeds(self, request: Request[Any, Any, Any], hub: NamedDependency[Hub]) -> Template:
        return self._feeds(request, hub, new_address=None)

    def _feeds(
        self,
        request: Request[Any, Any, Any],
        hub: Hub,
        *,
        new_address: str | None,
        repeated: bool = False,
    ) -> Template:
        viewer = viewer_of(request)
        with hub.transaction() as session:
            found = feeds_of(session, viewer.id)
        return page(
            request,
            FEEDS,
            {
                "feeds": found,
                "new_address": new_address,
                "repeated": repeated,
                "form_key": secrets.token_hex(16),
                "can_partner_feed": viewer.partner_slug is not None
                and viewer.role.value in VAULT_ROLES,
            },
        )

    @post("/feeds", sync_to_thread=True, opt=access(Access.SIGNED_IN))
    def add_feed(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], data: FormBody
    ) -> Template:
        viewer = viewer_of(request)
        scope = FeedScope.PARTNER if data.get("scope") == "partner" else FeedScope.USER
        if scope is FeedScope.PARTNER and not (
            viewer.partner_slug and viewer.role.value in VAULT_ROLES
        ):
            scope = FeedScope.USER
        with hub.transaction() as session:
            user = session.get_one(User, viewer.id)
            feed, clear = issue_feed(
                session,
                user=user,
                scope=scope,
                label=data.get("label", ""),
                form_key=data.get("form_key", ""),
            )
            if clear is not None:
                chain.record(
                    session,
                    actor=viewer.actor,
                    action="calendar.feed.add",
                    object_ref=f"feed:{feed.id}",
                    detail=scope.value,
                )
        if clear is None:
            return self._feeds(request, hub, new_address=None, repeated=True)
        # Shown once, on this response only (not a redirect: the address is not kept).
        address = f"{hub.settings.public_url}/feeds/{clear}.ics"
        return self._feeds(request, hub, new_address=address)

    @post("/feeds/{feed_id:int}/revoke", sync_to_thread=True, opt=access(Access.SIGNED_IN))
    def revoke(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], feed_id: FromPath[int]
    ) -> Response[Any]:
        viewer = viewer_of(request)
        with hub.transaction() as session:
            if not revoke_feed(session, viewer.id, feed_id):
                raise NotFoundException()
            chain.record(
                session,
                actor=viewer.actor,
                action="calendar.feed.revoke",
                object_ref=f"feed:{feed_id}",
            )
        return see_other("/calendar/feeds?revoked=1")


VAULT_ROLES = {"comms", "partner_admin"}


@get("/feeds/{name:str}", sync_to_thread=True, opt=access(Access.PUBLIC), include_in_schema=False)
def feed(
    request: Request[Any, Any, Any], hub: NamedDependency[Hub], name: FromPath[str]
) -> Response[bytes]:
    """A feed by its secret address; an unknown or revoked address is simply not found."""
    if not name.endswith(".ics"):
        raise NotFoundException()
    with hub.transaction() as session:
        found = feed_for(session, name.removesuffix(".ics"))
        if found is None:
            raise NotFoundException()
        items = feed_items(session, found)
        entries = feed_entries(session)
        names = dict(session.execute(select(Partner.slug, Partner.name)).all())
        label = found.label
    body = build_feed(
        items,
        name=f"Concord: {label}",
        public_url=hub.settings.public_url,
        partner_names=names,
        entries=entries,
    )
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"etag": etag, "cache-control": "private, max-age=300"}
    if etag in [tag.strip() for tag in request.headers.get("if-none-match", "").split(",")]:
        return Response(b"", status_code=304, headers=headers)
    return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)
