"""A partner's contact list, contact pages, manual entry and export: HTTP glue only.

Every route sits under ``/partners/{partner}`` with ``Access.PARTNER_VAULT``: the guard lets in
only that partner's comms staff and admins, and each handler opens that partner's vault alone.
Contact ids are per vault, so another partner's id simply finds nothing here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Stream, Template

from concord.db import utcnow
from concord.errors import InvalidInput
from concord.web.access import Access, access
from concord.web.pages import FormBody, found_or_404, page, see_other, viewer_of
from consent.audit import chain as audit
from consent.contacts import export, manual
from consent.contacts.models import Contact
from consent.contacts.profile import ContactProfile, load_profile, staff_names
from consent.contacts.queries import (
    ConsentFilter,
    ContactFilters,
    find_contacts,
    own_categories,
    parse_filters,
    tags_in_use,
)
from consent.contacts.schemas import ContactDetail, ContactList
from consent.db import Vaults
from consent.host import Host
from consent.purposes.models import Channel
from consent.purposes.services import all_purposes
from consent.rights.requests import requests_of
from consent.suppression.services import SuppressionKey

LIST = "consent/contacts/list/page.html"
RESULTS = "consent/contacts/list/_results.html"
CONTACT = "consent/contacts/contact/page.html"
FORM = "consent/contacts/form/page.html"
# Pages about people: kept out of shared caches and the browser's back-forward store.
PRIVATE = {"cache-control": "no-store", "vary": "HX-Request"}


def wants_fragment(request: Request[Any, Any, Any]) -> bool:
    """An htmx swap wants the partial; boosted links and history restores want the page."""
    if not isinstance(request, HTMXRequest) or not request.htmx:
        return False
    return not (request.htmx.boosted or request.htmx.history_restore_request)


def private(response: Template) -> Template:
    response.headers.update(PRIVATE)
    return response


def default_country(host: Host, partner_slug: str) -> str:
    """The partner's country, the region of phone numbers written without one."""
    partner = host.partner(partner_slug)
    if partner is None:
        raise NotFoundException()
    return partner.country


@dataclass(frozen=True)
class AskedFor:
    """The list's filters from the query string, and messages for those that make no sense."""

    filters: ContactFilters
    errors: dict[str, str]


def asked_for(
    q: FromQuery[str] = "",
    category: FromQuery[str] = "",
    tag: FromQuery[str] = "",
    purpose: FromQuery[str] = "",
    channel: FromQuery[str] = "",
    consent: FromQuery[str] = "",
    duplicates: FromQuery[str] = "",
    shared: FromQuery[str] = "",
) -> AskedFor:
    """The list and its export read the same filters, so that an export holds what was listed."""
    filters, errors = parse_filters(
        q=q,
        category=category,
        tag=tag,
        purpose=purpose,
        channel=channel,
        consent=consent,
        duplicates=duplicates,
        shared=shared,
    )
    return AskedFor(filters, errors)


class ContactsController(Controller):
    """The contact list, one contact's page, adding and editing by hand, and the export."""

    path = "/partners/{partner:str}/contacts"
    opt = access(Access.PARTNER_VAULT)
    # Pages for people; the API has its own controller below.
    include_in_schema = False
    dependencies = {"asked": Provide(asked_for, sync_to_thread=False)}

    @get("/", sync_to_thread=True)
    def contacts(
        self,
        request: Request[Any, Any, Any],
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
        asked: NamedDependency[AskedFor],
        after: FromQuery[int | None] = None,
        before: FromQuery[int | None] = None,
    ) -> Template:
        filters, errors = asked.filters, asked.errors
        fragment = wants_fragment(request)
        country = default_country(host, partner)
        with vaults.transaction(partner) as session:
            found = find_contacts(
                session, filters, default_country=country, after=after, before=before
            )
            context: dict[str, Any] = {
                "partner": partner,
                "filters": filters,
                "errors": errors,
                "found": found,
                "fragment": fragment,
            }
            if not fragment:
                context |= {
                    "categories": own_categories(session),
                    "tags": tags_in_use(session),
                    "purposes": all_purposes(session),
                    "channels": list(Channel),
                    "consent_states": list(ConsentFilter),
                }
        status = 400 if errors and not fragment else 200
        template = page(
            request, LIST, context, partial=RESULTS if fragment else None, status_code=status
        )
        return private(template)

    @get("/export.csv", sync_to_thread=True)
    def export_csv(
        self,
        request: Request[Any, Any, Any],
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
        asked: NamedDependency[AskedFor],
    ) -> Stream:
        filters = asked.filters
        country = default_country(host, partner)
        with vaults.transaction(partner) as session:
            ids = export.rows_to_export(session, filters, default_country=country)
        # Recorded before the first byte leaves, so no export goes unrecorded.
        with vaults.transaction(partner) as session:
            audit.record(
                session,
                actor=viewer_of(request).actor,
                action="contacts.export",
                object_ref=f"partner:{partner}",
                detail=f"rows={len(ids)}",
            )
        name = export.file_name(partner, utcnow().date())
        return Stream(
            export.csv_chunks(vaults, partner, ids),
            media_type="text/csv",
            headers={
                "content-disposition": f'attachment; filename="{name}"',
                "cache-control": "no-store",
            },
        )

    @get("/new", sync_to_thread=True)
    def new_contact(
        self,
        request: Request[Any, Any, Any],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
    ) -> Template:
        return self._form(request, vaults, partner, None, manual.ContactForm(), {}, None)

    @post("/new", sync_to_thread=True)
    def add_contact(
        self,
        request: Request[Any, Any, Any],
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
        data: FormBody,
    ) -> Response[Any]:
        form = manual.ContactForm.submitted(data)
        country = default_country(host, partner)
        with vaults.transaction(partner) as session:
            outcome = manual.add_contact(
                session,
                form,
                default_country=country,
                key=SuppressionKey(host.settings, partner),
                actor=viewer_of(request).actor,
            )
        if isinstance(outcome, manual.Refusal):
            return self._form(
                request, vaults, partner, None, form, outcome.errors, outcome.existing_id, 400
            )
        return see_other(f"/partners/{partner}/contacts/{outcome}")

    @get("/{contact_id:int}", sync_to_thread=True)
    def contact(
        self,
        request: Request[Any, Any, Any],
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
        contact_id: FromPath[int],
    ) -> Template:
        return self._contact_page(request, host, vaults, partner, contact_id, {}, {})

    @post("/{contact_id:int}/consent", sync_to_thread=True)
    def record_consent(
        self,
        request: Request[Any, Any, Any],
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
        contact_id: FromPath[int],
        data: FormBody,
    ) -> Response[Any]:
        with vaults.transaction(partner) as session:
            contact = found_or_404(session, Contact, contact_id)
            entry = manual.consent_entry(session, data)
            if not isinstance(entry, manual.Refusal):
                manual.record_consent(session, contact.id, entry, actor=viewer_of(request).actor)
        if isinstance(entry, manual.Refusal):
            return self._contact_page(
                request, host, vaults, partner, contact_id, entry.errors, data, 400
            )
        return see_other(f"/partners/{partner}/contacts/{contact_id}?recorded=1#consent")

    @get("/{contact_id:int}/edit", sync_to_thread=True)
    def edit_form(
        self,
        request: Request[Any, Any, Any],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
        contact_id: FromPath[int],
    ) -> Template:
        with vaults.transaction(partner) as session:
            form = manual.ContactForm.of(found_or_404(session, Contact, contact_id))
        return self._form(request, vaults, partner, contact_id, form, {}, None)

    @post("/{contact_id:int}/edit", sync_to_thread=True)
    def edit(
        self,
        request: Request[Any, Any, Any],
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
        contact_id: FromPath[int],
        data: FormBody,
    ) -> Response[Any]:
        form = manual.ContactForm.submitted(data)
        country = default_country(host, partner)
        try:
            with vaults.transaction(partner) as session:
                changed = manual.edit_contact(
                    session,
                    found_or_404(session, Contact, contact_id),
                    form,
                    default_country=country,
                    key=SuppressionKey(host.settings, partner),
                    actor=viewer_of(request).actor,
                )
        except InvalidInput as error:
            return self._form(request, vaults, partner, contact_id, form, error.errors, None, 400)
        if changed:
            # Rectification is accountable: which fields changed, never their values or who.
            with vaults.transaction(partner) as session:
                audit.record(
                    session,
                    actor=viewer_of(request).actor,
                    action="contacts.edit",
                    object_ref=f"partner:{partner}",
                    detail="changed " + ", ".join(changed),
                )
        return see_other(f"/partners/{partner}/contacts/{contact_id}?saved=1")

    def _form(
        self,
        request: Request[Any, Any, Any],
        vaults: Vaults,
        partner: str,
        contact_id: int | None,
        form: manual.ContactForm,
        errors: dict[str, str],
        existing_id: int | None,
        status: int = 200,
    ) -> Template:
        with vaults.transaction(partner) as session:
            categories = own_categories(session)
        context = {
            "partner": partner,
            "contact_id": contact_id,
            "form": form.values,
            "errors": errors,
            "existing_id": existing_id,
            "categories": categories,
        }
        return private(page(request, FORM, context, status_code=status))

    def _contact_page(
        self,
        request: Request[Any, Any, Any],
        host: Host,
        vaults: Vaults,
        partner: str,
        contact_id: int,
        errors: dict[str, str],
        form: dict[str, str],
        status: int = 200,
    ) -> Template:
        with vaults.transaction(partner) as session:
            profile: ContactProfile | None = load_profile(session, contact_id)
            rights_requests = requests_of(session, contact_id)
        if profile is None:
            raise NotFoundException()
        names = staff_names(host, profile.actors)
        context = {
            "partner": partner,
            "profile": profile,
            "contact": profile.contact,
            "names": names,
            "errors": errors,
            "form": form,
            "states": manual.STAFF_STATES,
            "rights_requests": rights_requests,
        }
        return private(page(request, CONTACT, context, status_code=status))


class ContactsApiController(Controller):
    """The contact list and contact records in the JSON API, for the partner's own staff."""

    path = "/api/v1/partners/{partner:str}/contacts"
    opt = access(Access.PARTNER_VAULT)
    tags = ["vault"]

    @get("/", sync_to_thread=True)
    def contacts_api(
        self,
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
        q: FromQuery[str] = "",
        category: FromQuery[str] = "",
        tag: FromQuery[str] = "",
        duplicates: FromQuery[bool] = False,
        after: FromQuery[int | None] = None,
        before: FromQuery[int | None] = None,
    ) -> ContactList:
        """A page of the partner's contacts in name order, optionally searched and filtered."""
        filters = ContactFilters(
            q=q.strip()[:200], category=category, tag=tag, duplicates=duplicates
        )
        country = default_country(host, partner)
        with vaults.transaction(partner) as session:
            found = find_contacts(
                session, filters, default_country=country, after=after, before=before
            )
            return ContactList.of(found)

    @get("/{contact_id:int}", sync_to_thread=True)
    def contact_api(
        self, vaults: NamedDependency[Vaults], partner: FromPath[str], contact_id: FromPath[int]
    ) -> ContactDetail:
        """One contact, its current consent and its consent history."""
        with vaults.transaction(partner) as session:
            profile = load_profile(session, contact_id)
            if profile is None:
                raise NotFoundException()
            return ContactDetail.of(profile)
