"""Find my data (/my-data): ask for a code, enter it, see and act on every partner holding you.

The cookies are HttpOnly, Secure (as configured), SameSite=Strict and scoped to /my-data;
each carries a random token (the hub keeps its hash) and the address sealed under it.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Template

from concord.errors import InvalidInput
from concord.finder import services as finder
from concord.hub import Hub
from concord.settings import Settings
from concord.translations import N_
from concord.web.access import Access, access
from concord.web.language import keep_language, request_language
from concord.web.pages import FormBody, see_other, stakeholder_page
from consent.public import Evidence, VaultDirectory

START = "concord/finder/start/page.html"
CODE = "concord/finder/code/page.html"
FOUND = "concord/finder/found/page.html"
CHALLENGE_COOKIE = "concord_finder_code"
SESSION_COOKIE = "concord_finder"
PATH = "/my-data"
TOO_MANY = N_(
    "Too many codes were asked for this address or from your network. Wait 15 minutes, "
    "then try again."
)


def _client(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


def _with_cookie(
    response: Response[Any], settings: Settings, name: str, value: str, seconds: int
) -> Response[Any]:
    response.set_cookie(
        key=name,
        value=value,
        max_age=seconds,
        path=PATH,
        httponly=True,
        secure=settings.secure_cookies,
        samesite="strict",
    )
    return response


class FindMyDataController(Controller):
    path = PATH
    opt = access(Access.PUBLIC)
    include_in_schema = False
    # Pages about a person: kept out of shared caches and the back-forward store.
    cache_control = CacheControlHeader(no_store=True)

    @get("/", sync_to_thread=False)
    def start(self, request: Request[Any, Any, Any]) -> Template:
        return stakeholder_page(request, START, {"errors": {}, "email": ""})

    @post("/", sync_to_thread=True)
    def ask(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], data: FormBody
    ) -> Response[Any]:
        settings: Settings = request.app.state.settings
        raw = data.get("email", "")
        try:
            with hub.transaction() as session:
                asked = finder.request_code(
                    session, settings, raw_email=raw, client_address=_client(request)
                )
        except InvalidInput as error:
            context = {"errors": error.errors, "email": raw}
            return stakeholder_page(request, START, context, status_code=400)
        except finder.TooManyRequests:
            context = {"errors": {"email": TOO_MANY}, "email": raw}
            return stakeholder_page(request, START, context, status_code=429)
        finder.send_code(settings, asked, language=request_language(request))
        seconds = int(finder.CODE_LIFETIME.total_seconds())
        target = see_other(keep_language(request, f"{PATH}/code"))
        return _with_cookie(target, settings, CHALLENGE_COOKIE, asked.cookie, seconds)

    @get("/code", sync_to_thread=False)
    def code_form(self, request: Request[Any, Any, Any]) -> Response[Any]:
        if not request.cookies.get(CHALLENGE_COOKIE):
            return see_other(PATH)
        return stakeholder_page(request, CODE, {"error": None})

    @post("/code", sync_to_thread=True)
    def verify(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], data: FormBody
    ) -> Response[Any]:
        settings: Settings = request.app.state.settings
        problem: finder.ChallengeProblem | None = None
        # The block commits even for a wrong code, so that the attempt is counted.
        with hub.transaction() as session:
            try:
                cookie = finder.verify_code(
                    session, settings, request.cookies.get(CHALLENGE_COOKIE), data.get("code", "")
                )
            except finder.ChallengeProblem as refused:
                problem = refused
        if problem is not None:
            context = {"error": problem.message, "start_again": problem.status != 400}
            return stakeholder_page(request, CODE, context, status_code=problem.status)
        seconds = int(finder.SESSION_LIFETIME.total_seconds())
        target = see_other(keep_language(request, f"{PATH}/found"))
        response = _with_cookie(target, settings, SESSION_COOKIE, cookie, seconds)
        response.delete_cookie(CHALLENGE_COOKIE, path=PATH)
        return response

    @get("/found", sync_to_thread=True)
    def found(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        directory: NamedDependency[VaultDirectory],
        done: FromQuery[int] = 0,
    ) -> Response[Any]:
        with hub.transaction() as session:
            verified = finder.verified_address(
                session, request.app.state.settings, request.cookies.get(SESSION_COOKIE)
            )
        if verified is None:
            return see_other(PATH)
        holdings = finder.holdings(hub, directory, verified[1])
        return stakeholder_page(request, FOUND, {"holdings": holdings, "done": bool(done)})

    @post("/withdraw-all", sync_to_thread=True)
    def withdraw_all(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        directory: NamedDependency[VaultDirectory],
    ) -> Response[Any]:
        with hub.transaction() as session:
            verified = finder.verified_address(
                session, request.app.state.settings, request.cookies.get(SESSION_COOKIE)
            )
        if verified is None:
            return see_other(PATH)
        token, address = verified
        evidence = Evidence(token, _client(request), request.headers.get("user-agent", ""))
        finder.withdraw_everywhere(hub, directory, address, evidence)
        return see_other(f"{PATH}/found?done=1")

    @post("/sign-out", sync_to_thread=True)
    def sign_out(self, request: Request[Any, Any, Any], hub: NamedDependency[Hub]) -> Response[Any]:
        with hub.transaction() as session:
            finder.end_session(session, request.cookies.get(SESSION_COOKIE))
        response = see_other(PATH)
        response.delete_cookie(SESSION_COOKIE, path=PATH)
        return response
