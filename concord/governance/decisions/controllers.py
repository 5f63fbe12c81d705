"""The decision register on the web. Every partner's staff may read it (decisions bind them
all); who may propose, cast a position or record an outcome is checked by the services."""

from __future__ import annotations

import secrets
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from concord.accounts.models import Role, User
from concord.errors import InvalidInput
from concord.governance.decisions import services
from concord.governance.decisions.models import DecisionStatus, Stance
from concord.governance.errors import Missing, Refused
from concord.governance.markdown import render
from concord.governance.meetings.models import Meeting
from concord.governance.meetings.services import link_choices, local_start
from concord.governance.reviews.models import ReviewDocument
from concord.governance.reviews.services import all_documents
from concord.hub import Hub
from concord.inputs import row_id
from concord.web.access import Access, access
from concord.web.pages import FormBody, page, see_other, viewer_of

BASE = "/governance/decisions"
REGISTER = "concord/governance/decisions/register/page.html"
DECISION = "concord/governance/decisions/decision/page.html"
DELEGATE = "concord/governance/decisions/delegate/page.html"


class DecisionsController(Controller):
    path = BASE
    include_in_schema = False
    opt = access(Access.SIGNED_IN)

    @get("/", sync_to_thread=True)
    def register(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        meeting: FromQuery[str] = "",
    ) -> Template:
        # "Record a decision for this meeting" opens the form with the meeting chosen.
        form = {"meeting": meeting} if row_id(meeting) else {}
        return self._register(request, hub, form=form, errors={})

    @post("/", sync_to_thread=True)
    def propose(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], data: FormBody
    ) -> Response[Any]:
        try:
            with hub.transaction() as session:
                proposed = services.propose(
                    session,
                    proposer_id=viewer_of(request).id,
                    title=data.get("title", ""),
                    text=data.get("text", ""),
                    changes_principles=data.get("changes_principles") == "on",
                    form_key=data.get("form_key", ""),
                    meeting=data.get("meeting", ""),
                    document=data.get("document", ""),
                )
                target = f"{BASE}/{proposed.id}"
        except InvalidInput as error:
            return self._register(request, hub, form=data, errors=error.errors, status=400)
        except Refused as refused:
            errors = {"title": refused.message}
            return self._register(request, hub, form=data, errors=errors, status=refused.status)
        return see_other(target)

    @get("/{decision_id:int}", sync_to_thread=True)
    def decision(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], decision_id: FromPath[int]
    ) -> Template:
        return self._decision(request, hub, decision_id, form={}, errors={})

    @post("/{decision_id:int}/position", sync_to_thread=True)
    def position(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        decision_id: FromPath[int],
        data: FormBody,
    ) -> Response[Any]:
        try:
            with hub.transaction() as session:
                services.cast_position(
                    session,
                    decision_id,
                    user_id=viewer_of(request).id,
                    stance=data.get("stance", ""),
                )
        except Missing as missing:
            raise NotFoundException() from missing
        except InvalidInput as error:
            return self._decision(
                request, hub, decision_id, form=data, errors=error.errors, status=400
            )
        except Refused as refused:
            errors = {"stance": refused.message}
            return self._decision(
                request, hub, decision_id, form=data, errors=errors, status=refused.status
            )
        return see_other(f"{BASE}/{decision_id}?cast=1")

    @post("/{decision_id:int}/outcome", sync_to_thread=True, opt=access(Access.SECRETARIAT))
    def outcome(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        decision_id: FromPath[int],
        data: FormBody,
    ) -> Response[Any]:
        try:
            with hub.transaction() as session:
                services.record_outcome(session, decision_id, data, actor_id=viewer_of(request).id)
        except Missing as missing:
            raise NotFoundException() from missing
        except InvalidInput as error:
            return self._decision(
                request, hub, decision_id, form=data, errors=error.errors, status=400
            )
        except Refused as refused:
            errors = {"outcome": refused.message}
            return self._decision(
                request, hub, decision_id, form=data, errors=errors, status=refused.status
            )
        return see_other(f"{BASE}/{decision_id}?recorded=1")

    @get("/delegate", sync_to_thread=True)
    def delegate_page(self, request: Request[Any, Any, Any], hub: NamedDependency[Hub]) -> Template:
        return self._delegate(request, hub, errors={})

    @post("/delegate", sync_to_thread=True)
    def delegate(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], data: FormBody
    ) -> Response[Any]:
        try:
            with hub.transaction() as session:
                services.name_delegate(
                    session,
                    signatory_id=viewer_of(request).id,
                    delegate_id=data.get("delegate_id", ""),
                )
        except InvalidInput as error:
            return self._delegate(request, hub, errors=error.errors, status=400)
        except Refused as refused:
            return self._delegate(
                request, hub, errors={"delegate_id": refused.message}, status=refused.status
            )
        return see_other(f"{BASE}/delegate?saved=1")

    def _register(
        self,
        request: Request[Any, Any, Any],
        hub: Hub,
        *,
        form: dict[str, str],
        errors: dict[str, str],
        status: int = 200,
    ) -> Template:
        viewer = viewer_of(request)
        with hub.transaction() as session:
            user = session.get_one(User, viewer.id)
            may_propose = viewer.is_secretariat or services.acts_for(session, user) is not None
            decisions = services.register(session)
            chosen = form.get("meeting", "")
            meetings = link_choices(session, row_id(chosen))
            documents = all_documents(session)
        context = {
            "decisions": decisions,
            "meeting_choices": meetings,
            "document_choices": documents,
            "may_propose": may_propose,
            "form": form,
            "errors": errors,
            # A fresh key per form shown: submitting the same form twice makes one proposal.
            "form_key": form.get("form_key") or secrets.token_urlsafe(24),
        }
        return page(request, REGISTER, context, status_code=status)

    def _decision(
        self,
        request: Request[Any, Any, Any],
        hub: Hub,
        decision_id: int,
        *,
        form: dict[str, str],
        errors: dict[str, str],
        status: int = 200,
    ) -> Template:
        viewer = viewer_of(request)
        with hub.transaction() as session:
            try:
                shown = services.decision(session, decision_id)
            except Missing as missing:
                raise NotFoundException() from missing
            user = session.get_one(User, viewer.id)
            acting_for = services.acts_for(session, user)
            computed = services.current_outcome(session, shown)
            rules = services.rules_of(session, shown)
            lines = services.positions_by_partner(session, decision_id)
            proposer = session.get(User, shown.proposer_id)
            meeting = session.get(Meeting, shown.meeting_id) if shown.meeting_id else None
            document = session.get(ReviewDocument, shown.document_id) if shown.document_id else None
        own = next(
            (line for line in lines if acting_for and line.partner.id == acting_for.id), None
        )
        context = {
            "decision": shown,
            "text": render(shown.text),
            "proposer": proposer,
            "meeting": meeting,
            "meeting_start": local_start(meeting) if meeting else None,
            "document": document,
            "lines": lines,
            "computed": computed,
            "rules": rules,
            "acting_for": acting_for,
            "own_stance": own.stance if own else None,
            "is_open": shown.status is DecisionStatus.OPEN,
            "stances": list(Stance),
            "form": form,
            "errors": errors,
        }
        return page(request, DECISION, context, status_code=status)

    def _delegate(
        self,
        request: Request[Any, Any, Any],
        hub: Hub,
        *,
        errors: dict[str, str],
        status: int = 200,
    ) -> Template:
        viewer = viewer_of(request)
        with hub.transaction() as session:
            user = session.get_one(User, viewer.id)
            partner = user.partner
            delegate = services.delegate_of(session, partner.id) if partner else None
            staff = services.staff_of(session, partner.id) if partner else []
        context = {
            "partner": partner,
            "delegate": delegate,
            "staff": [person for person in staff if person.role is not Role.SIGNATORY],
            "may_name": viewer.role is Role.SIGNATORY,
            "errors": errors,
        }
        return page(request, DELEGATE, context, status_code=status)
