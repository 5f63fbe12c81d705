"""The preference centre (/p/TOKEN) and one-click unsubscribe (/u/TOKEN): HTTP glue only.

Both paths travel in emails and must stay stable. The preference centre's forms carry the
double-submit CSRF token (no session is needed); /u/ is exempt from CSRF and the same-origin
check because RFC 8058 mail clients post to it without cookies, and its opaque token is the
authentication. A GET on /u/ only shows a button, so link scanners unsubscribe nobody.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from concord.inputs import row_id
from concord.translations import N_
from concord.web.access import Access, access
from concord.web.language import keep_language, language_for
from concord.web.pages import FormBody, see_other, stakeholder_page
from consent.contacts.models import Contact
from consent.db import Vaults
from consent.host import Host
from consent.ledger.models import CollectionMethod
from consent.links import services as links
from consent.links.locate import LinkHolder, locate
from consent.links.models import LinkKind
from consent.preferences import services as preferences
from consent.purposes import services as purposes
from consent.purposes.models import Channel, Purpose

CENTRE = "consent/preferences/centre/page.html"
CONFIRM = "consent/preferences/confirm/page.html"
UNSUBSCRIBE = "consent/preferences/unsubscribe/page.html"
MESSAGES = {
    404: N_(
        "We do not know this link. Please use the newest link from one of our emails, or "
        "find your data at /my-data."
    ),
    410: N_(
        "This link has expired or was used already. Every email we send carries a fresh "
        "one; you can also find your data at /my-data."
    ),
}
CANNOT_CONFIRM = N_(
    "We cannot send you a confirmation email at the moment, so we cannot record this choice. "
    "Please contact us directly."
)
CHOOSE = N_("Choose one of the options.")
DONE = {
    "withdrawn": N_("Done: we will no longer write to you for that."),
    "given": N_("Thank you: your choice is saved."),
    "pending": N_("Almost done: we have sent you an email. Follow its link to confirm."),
    "unchanged": N_("Nothing needed changing."),
    "everything": N_("Done: you have withdrawn from everything we send."),
    "profile": N_("Thank you: your details are corrected."),
    "confirmed": N_("Confirmed: thank you."),
    "erasure": N_("We have your request to erase your data. We will confirm within one month."),
    "objection": N_("Done: we will send you no direct marketing, now or after a future import."),
}


def _link_error(problem: links.LinkProblem) -> HTTPException:
    return HTTPException(status_code=problem.status, detail=MESSAGES[problem.status])


def holder_of(host: Host, vaults: Vaults, token: str, kind: LinkKind) -> LinkHolder:
    try:
        return locate(host, vaults, token, kind)
    except links.LinkProblem as problem:
        raise _link_error(problem) from None


def _language_of(vaults: Vaults, holder: LinkHolder) -> str:
    with vaults.transaction(holder.partner_slug) as session:
        return session.get_one(Contact, holder.contact_id).language


def _evidence(
    request: Request[Any, Any, Any], token: str, vaults: Vaults, holder: LinkHolder
) -> preferences.Evidence:
    """How the request reached us, with the language of the page the person acted on."""
    return preferences.Evidence(
        token=token,
        client_address=request.client.host if request.client else "",
        user_agent=request.headers.get("user-agent", ""),
        language=language_for(request, _language_of(vaults, holder)),
    )


class PreferenceCentreController(Controller):
    """A stakeholder's choices with one partner, reached from any of its messages."""

    path = "/p/{token:str}"
    opt = access(Access.PUBLIC)
    include_in_schema = False
    # Pages about a person: kept out of shared caches and the back-forward store.
    cache_control = CacheControlHeader(no_store=True)

    @get("/", sync_to_thread=True)
    def centre(
        self,
        request: Request[Any, Any, Any],
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        token: FromPath[str],
        done: FromQuery[str | None] = None,
    ) -> Template:
        holder = holder_of(host, vaults, token, LinkKind.PREFERENCES)
        with vaults.transaction(holder.partner_slug) as session:
            contact = session.get_one(Contact, holder.contact_id)
            choices = preferences.choices(session, contact.id)
            language = language_for(request, contact.language)
            context: dict[str, Any] = {
                "token": token,
                "done": DONE.get(done or ""),
                "partner_name": holder.partner_name,
                "contact": {
                    "given_name": contact.given_name,
                    "family_name": contact.family_name,
                    "organisation": contact.organisation,
                    "language": contact.language,
                },
                "choices": [
                    {
                        "purpose_id": c.purpose.id,
                        "name": purposes.shown(c.purpose, language).name,
                        "notice": purposes.shown(c.purpose, language).text,
                        "notice_language": purposes.shown(c.purpose, language).language,
                        "channel": c.channel.value,
                        "on": c.on,
                        "pending": c.pending,
                    }
                    for c in choices
                ],
            }
            preferred = contact.language
        return stakeholder_page(request, CENTRE, context, preferred=preferred)

    @post("/consent", sync_to_thread=True)
    def change(
        self,
        request: Request[Any, Any, Any],
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        token: FromPath[str],
        data: FormBody,
    ) -> Response[Any]:
        holder = holder_of(host, vaults, token, LinkKind.PREFERENCES)
        evidence = _evidence(request, token, vaults, holder)
        purpose_id = row_id(data.get("purpose", ""))
        try:
            channel = Channel(data.get("channel", ""))
        except ValueError:
            purpose_id = None
        if purpose_id is None:
            raise HTTPException(status_code=400, detail=CHOOSE)
        choice = data.get("choice")
        with vaults.transaction(holder.partner_slug) as session:
            purpose = session.get(Purpose, purpose_id)
            if (
                purpose is None
                or channel not in purpose.channel_list
                or choice
                not in (
                    "give",
                    "withdraw",
                )
            ):
                raise HTTPException(status_code=400, detail=CHOOSE)
            if choice == "withdraw":
                changed = preferences.withdraw(
                    session,
                    holder.contact_id,
                    purpose,
                    channel,
                    method=CollectionMethod.PREFERENCE_CENTRE,
                    evidence=evidence,
                )
                outcome = "withdrawn" if changed else "unchanged"
            else:
                try:
                    state = preferences.give(
                        session,
                        request.app.state.settings,
                        partner_slug=holder.partner_slug,
                        partner_name=holder.partner_name,
                        contact=session.get_one(Contact, holder.contact_id),
                        purpose=purpose,
                        channel=channel,
                        evidence=evidence,
                    )
                except preferences.CannotConfirm:
                    raise HTTPException(status_code=409, detail=CANNOT_CONFIRM) from None
                outcome = state.value if state else "unchanged"
        return see_other(keep_language(request, f"/p/{token}?done={outcome}"))

    @post("/withdraw-all", sync_to_thread=True)
    def withdraw_all(
        self,
        request: Request[Any, Any, Any],
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        token: FromPath[str],
    ) -> Response[Any]:
        holder = holder_of(host, vaults, token, LinkKind.PREFERENCES)
        with vaults.transaction(holder.partner_slug) as session:
            preferences.withdraw_everything(
                session,
                holder.contact_id,
                method=CollectionMethod.PREFERENCE_CENTRE,
                evidence=_evidence(request, token, vaults, holder),
            )
        return see_other(keep_language(request, f"/p/{token}?done=everything"))

    @post("/profile", sync_to_thread=True)
    def profile(
        self,
        request: Request[Any, Any, Any],
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        token: FromPath[str],
        data: FormBody,
    ) -> Response[Any]:
        holder = holder_of(host, vaults, token, LinkKind.PREFERENCES)
        with vaults.transaction(holder.partner_slug) as session:
            changed = preferences.correct_profile(
                session, session.get_one(Contact, holder.contact_id), data
            )
        outcome = "profile" if changed else "unchanged"
        return see_other(keep_language(request, f"/p/{token}?done={outcome}"))

    @get("/confirm/{confirm_token:str}", sync_to_thread=True)
    def confirm_form(
        self,
        request: Request[Any, Any, Any],
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        token: FromPath[str],
        confirm_token: FromPath[str],
    ) -> Template:
        holder, purpose_name = self._confirmation(request, host, vaults, token, confirm_token)
        context = {
            "token": token,
            "confirm_token": confirm_token,
            "partner_name": holder.partner_name,
            "purpose_name": purpose_name,
        }
        preferred = _language_of(vaults, holder)
        return stakeholder_page(request, CONFIRM, context, preferred=preferred)

    @post("/confirm/{confirm_token:str}", sync_to_thread=True)
    def confirm(
        self,
        request: Request[Any, Any, Any],
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        token: FromPath[str],
        confirm_token: FromPath[str],
    ) -> Response[Any]:
        holder, _ = self._confirmation(request, host, vaults, token, confirm_token)
        evidence = _evidence(request, token, vaults, holder)
        with vaults.transaction(holder.partner_slug) as session:
            link = links.resolve(session, confirm_token, LinkKind.CONFIRM)
            confirmed = preferences.confirm(session, link, evidence=evidence)
        outcome = "confirmed" if confirmed else "unchanged"
        return see_other(keep_language(request, f"/p/{token}?done={outcome}"))

    def _confirmation(
        self,
        request: Request[Any, Any, Any],
        host: Host,
        vaults: Vaults,
        token: str,
        confirm_token: str,
    ) -> tuple[LinkHolder, str]:
        holder = holder_of(host, vaults, token, LinkKind.PREFERENCES)
        with vaults.transaction(holder.partner_slug) as session:
            try:
                link = links.resolve(session, confirm_token, LinkKind.CONFIRM)
            except links.LinkProblem as problem:
                raise _link_error(problem) from None
            if link.contact_id != holder.contact_id or link.purpose_id is None:
                raise _link_error(links.LinkProblem(404))
            contact = session.get_one(Contact, holder.contact_id)
            purpose = session.get_one(Purpose, link.purpose_id)
            return holder, purposes.shown(purpose, language_for(request, contact.language)).name


class UnsubscribeController(Controller):
    """One-click unsubscribe from one purpose and channel (RFC 8058)."""

    path = "/u/{token:str}"
    opt = access(Access.PUBLIC)
    include_in_schema = False
    # Pages about a person: kept out of shared caches and the back-forward store.
    cache_control = CacheControlHeader(no_store=True)

    @get("/", sync_to_thread=True)
    def ask(
        self,
        request: Request[Any, Any, Any],
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        token: FromPath[str],
    ) -> Template:
        return self._page(request, host, vaults, token, done=False)

    @post("/", sync_to_thread=True, status_code=200)
    def unsubscribe(
        self,
        request: Request[Any, Any, Any],
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        token: FromPath[str],
    ) -> Template:
        holder = holder_of(host, vaults, token, LinkKind.UNSUBSCRIBE)
        evidence = _evidence(request, token, vaults, holder)
        with vaults.transaction(holder.partner_slug) as session:
            preferences.unsubscribe(session, token, evidence=evidence)
        return self._page(request, host, vaults, token, done=True)

    def _page(
        self,
        request: Request[Any, Any, Any],
        host: Host,
        vaults: Vaults,
        token: str,
        *,
        done: bool,
    ) -> Template:
        holder = holder_of(host, vaults, token, LinkKind.UNSUBSCRIBE)
        with vaults.transaction(holder.partner_slug) as session:
            link = links.resolve(session, token, LinkKind.UNSUBSCRIBE)
            assert link.purpose_id is not None and link.channel is not None
            preferred = session.get_one(Contact, link.contact_id).language
            purpose = session.get_one(Purpose, link.purpose_id)
            purpose_name = purposes.shown(purpose, language_for(request, preferred)).name
            channel = link.channel.value
        context = {
            "token": token,
            "partner_name": holder.partner_name,
            "purpose_name": purpose_name,
            "channel": channel,
            "done": done,
        }
        return stakeholder_page(request, UNSUBSCRIBE, context, preferred=preferred)
