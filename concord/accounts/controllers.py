"""Sign-in, sign-out, password change and reset, and API tokens: HTTP glue only."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from concord.accounts import api_tokens, password_resets, sessions
from concord.accounts.login import LoginResult, sign_in
from concord.accounts.models import User
from concord.accounts.users import change_password
from concord.errors import InvalidInput
from concord.hub import Hub
from concord.languages import language_tag
from concord.web.access import Access, access
from concord.web.auth import session_cookie
from concord.web.pages import FormBody, page, safe_next, see_other, viewer_of

LOGIN = "concord/accounts/login/page.html"


def _with_session_cookie(
    response: Response[Any], hub: NamedDependency[Hub], token: FromPath[str]
) -> Response[Any]:
    response.set_cookie(
        key=sessions.COOKIE_NAME,
        value=token,
        httponly=True,
        secure=hub.settings.secure_cookies,
        samesite="lax",
        path="/",
    )
    return response


class SignInController(Controller):
    """Pages open to anyone: sign-in and password reset."""

    opt = access(Access.PUBLIC)

    @get("/", sync_to_thread=False)
    def home(self, request: Request[Any, Any, Any]) -> Redirect:
        return see_other("/dashboard" if request.scope.get("user") else "/login")

    @get("/login", sync_to_thread=False)
    def login_form(
        self, request: Request[Any, Any, Any], next_path: FromQuery[str | None] = None
    ) -> Template:
        return page(request, LOGIN, {"next": safe_next(next_path, "/dashboard"), "email": ""})

    @post("/login", sync_to_thread=True)
    def login(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], data: FormBody
    ) -> Response[Any]:
        email = data.get("email", "")
        target = safe_next(data.get("next"), "/dashboard")
        with hub.transaction() as session:
            outcome = sign_in(
                session,
                hub.settings,
                hub.password_hasher,
                email=email,
                password=data.get("password", ""),
                client_address=request.client.host if request.client else "unknown",
                previous_token=session_cookie(request.headers),
            )
        if outcome.result is LoginResult.SIGNED_IN and outcome.session_token:
            return _with_session_cookie(see_other(target), hub, outcome.session_token)
        if outcome.result is LoginResult.BLOCKED:
            message = (
                "Too many failed sign-in attempts. Wait "
                f"{hub.settings.login_lockout_minutes} minutes, or reset your password."
            )
            status = 429
        else:
            message = "That email and password do not match an account."
            status = 400
        context = {"next": target, "email": email, "error": message}
        return page(request, LOGIN, context, status_code=status)

    @get("/password-reset", sync_to_thread=False)
    def reset_request_form(self, request: Request[Any, Any, Any]) -> Template:
        return page(request, "concord/accounts/password_reset/page.html", {"sent": False})

    @post("/password-reset", sync_to_thread=True)
    def reset_request(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], data: FormBody
    ) -> Template:
        with hub.transaction() as session:
            password_resets.request_reset(session, hub.settings, data.get("email", ""))
        return page(request, "concord/accounts/password_reset/page.html", {"sent": True})

    @get("/password-reset/{token:str}", sync_to_thread=True)
    def reset_form(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], token: FromPath[str]
    ) -> Template:
        with hub.transaction() as session:
            valid = password_resets.valid_reset(session, token) is not None
        return page(
            request,
            "concord/accounts/password_reset/choose.html",
            {"valid": valid, "token": token, "errors": {}},
            status_code=200 if valid else 410,
        )

    @post("/password-reset/{token:str}", sync_to_thread=True)
    def reset(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        token: FromPath[str],
        data: FormBody,
    ) -> Response[Any]:
        new_password = data.get("new_password", "")
        errors: dict[str, str] = {}
        if new_password != data.get("confirm_password", ""):
            errors["confirm_password"] = "The two passwords differ."
        else:
            try:
                with hub.transaction() as session:
                    if password_resets.complete_reset(
                        session, hub.password_hasher, token, new_password
                    ):
                        return see_other("/login?reset=done")
                    errors["token"] = "This link has expired or was used already."
            except InvalidInput as error:
                errors = error.errors
        return page(
            request,
            "concord/accounts/password_reset/choose.html",
            {"valid": "token" not in errors, "token": token, "errors": errors},
            status_code=400,
        )


class AccountController(Controller):
    """The signed-in person's own account."""

    opt = access(Access.SIGNED_IN)

    @post("/logout", sync_to_thread=True)
    def logout(self, request: Request[Any, Any, Any], hub: NamedDependency[Hub]) -> Response[Any]:
        if token := session_cookie(request.headers):
            with hub.transaction() as session:
                sessions.end(session, token)
        response = see_other("/login")
        response.delete_cookie(sessions.COOKIE_NAME, path="/")
        return response

    @get("/account", sync_to_thread=True)
    def account(self, request: Request[Any, Any, Any], hub: NamedDependency[Hub]) -> Template:
        with hub.transaction() as session:
            language = session.get_one(User, viewer_of(request).id).language
        context = {"errors": {}, "done": False, "language": language}
        return page(request, "concord/accounts/account/page.html", context)

    @post("/account/language", sync_to_thread=True)
    def language(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], data: FormBody
    ) -> Response[Any]:
        """The language of the mail the platform sends this person."""
        chosen = language_tag(data.get("language", "")[:35])
        if chosen is None:
            context = {
                "errors": {"language": "Choose one of the languages we write in."},
                "done": False,
                "language": data.get("language", ""),
            }
            return page(request, "concord/accounts/account/page.html", context, status_code=400)
        with hub.transaction() as session:
            session.get_one(User, viewer_of(request).id).language = chosen
        return see_other("/account?language=1")

    @post("/account/password", sync_to_thread=True)
    def password(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], data: FormBody
    ) -> Response[Any]:
        viewer = viewer_of(request)
        errors: dict[str, str] = {}
        if data.get("new_password", "") != data.get("confirm_password", ""):
            errors["confirm_password"] = "The two passwords differ."
        else:
            try:
                with hub.transaction() as session:
                    user = session.get_one(User, viewer.id)
                    change_password(
                        session,
                        hub.password_hasher,
                        user,
                        data.get("current_password", ""),
                        data.get("new_password", ""),
                    )
                    # Every session ended with the change; this browser gets a fresh one.
                    token = sessions.start(session, user, None)
                response = see_other("/account?changed=1")
                return _with_session_cookie(response, hub, token)
            except InvalidInput as error:
                errors = error.errors
        context = {"errors": errors, "done": False, "language": ""}
        return page(request, "concord/accounts/account/page.html", context, status_code=400)

    @get("/account/tokens", sync_to_thread=True)
    def tokens(self, request: Request[Any, Any, Any], hub: NamedDependency[Hub]) -> Template:
        return self._tokens_page(request, hub, new_token=None, errors={})

    @post("/account/tokens", sync_to_thread=True)
    def issue_token(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], data: FormBody
    ) -> Template:
        viewer = viewer_of(request)
        try:
            with hub.transaction() as session:
                _, clear = api_tokens.issue(
                    session, session.get_one(User, viewer.id), data.get("name", "")
                )
        except InvalidInput as error:
            return self._tokens_page(request, hub, new_token=None, errors=error.errors, status=400)
        return self._tokens_page(request, hub, new_token=clear, errors={}, status=201)

    @post("/account/tokens/{token_id:int}/revoke", sync_to_thread=True)
    def revoke_token(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], token_id: FromPath[int]
    ) -> Redirect:
        viewer = viewer_of(request)
        with hub.transaction() as session:
            found = api_tokens.revoke(session, session.get_one(User, viewer.id), token_id)
        if not found:
            raise NotFoundException()
        return see_other("/account/tokens")

    def _tokens_page(
        self,
        request: Request[Any, Any, Any],
        hub: Hub,
        *,
        new_token: str | None,
        errors: dict[str, str],
        status: int = 200,
    ) -> Template:
        viewer = viewer_of(request)
        with hub.transaction() as session:
            tokens = api_tokens.tokens_of(session, session.get_one(User, viewer.id))
        return page(
            request,
            "concord/accounts/tokens/page.html",
            {"tokens": tokens, "new_token": new_token, "errors": errors},
            status_code=status,
        )
