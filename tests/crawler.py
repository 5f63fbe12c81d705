"""A crawler that uses the app the way an attacker would: it follows every link, submits every
form with hostile values and tries every route with hostile path values, and keeps every answer.

It knows nothing about any page. It reads the HTML it gets (links, ``hx-get`` targets and
forms, through the standard library's parser) and the app's route table, so a page or route
added later is crawled the day it is added.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from litestar import Litestar
from litestar.handlers.http_handlers import HTTPRouteHandler
from litestar.params import QueryParameter
from litestar.testing import TestClient

from concord.web.access import Access, level_of

ORIGIN = "https://testserver.local"
CSRF_FIELD = "_csrf_token"
PARAM = re.compile(r"\{(\w+):(\w+)\}")

HUGE_NUMBERS = ("99999999999999999999", "-1", "0")
BAD_DATES = ("0001-01-01", "9999-12-31", "0000-00-00", "2026-02-30")
NUL = "\x00"
LONG = "x" * 300_000
LONG_IN_URL = "x" * 8_000
HOSTILE_VALUES: tuple[str, ...] = ("", *HUGE_NUMBERS, NUL, *BAD_DATES, LONG)
# Fields no form asks for, some named like the ids and partners that handlers look up.
UNKNOWN_FIELDS = {
    "crawler_unknown": "1",
    "id": "99999999999999999999",
    "partner": "bravo",
    "partner_id": "-1",
    "contact_id": "9223372036854775808",
}
UPLOAD = ("crawler.csv", b"email,given_name\ncrawler@example.org,Crawler\n", "text/csv")
PDF_UPLOAD = (
    "crawler.pdf",
    b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n",
    "application/pdf",
)
# A file whose name climbs out of any folder and whose bytes are no text in any encoding.
HOSTILE_UPLOAD = ("../../etc/passwd\x00.csv", b"\x00\xff\xfe" * 2_000, "text/csv")
HOSTILE_UPLOAD_MARK = "\x00hostile-upload"
# Path values: ids beyond and below any row, and strings no slug or token can be.
HOSTILE_INTS = ("0", "-1", "99999999999999999999", "9223372036854775808")
HOSTILE_STRS = ("%00", "s" * 600, "..%2F..%2Fetc%2Fpasswd")
HOSTILE_FILE_PATHS = (*HOSTILE_STRS, "../../etc/passwd")
# Links that end the session; following them would end the crawl of that role.
SIGN_OUT = ("/logout", "/my-data/sign-out")
# Handler arguments that Litestar fills from the request itself, never from the query.
RESERVED_KWARGS = frozenset(
    {"request", "scope", "state", "headers", "cookies", "query", "socket", "data", "body"}
)
MAX_URLS_PER_ROUTE = 6
MAX_URL_LOGGED = 200


@dataclass(frozen=True)
class Hit:
    """One request the crawler made and what it got."""

    role: str
    method: str
    template: str
    status: int
    url: str
    exception: str = ""
    phase: str = ""
    ms: float = 0.0

    @property
    def failed(self) -> bool:
        return self.status >= 500


# Link and form extraction


@dataclass
class FormField:
    name: str
    kind: str  # an input's type, or "select", "textarea", "button"
    value: str
    options: list[str] = field(default_factory=list)
    accept: str = ""


@dataclass
class Form:
    method: str
    action: str
    multipart: bool
    fields: list[FormField]

    def signature(self, template: str) -> tuple[str, str, tuple[str, ...]]:
        return self.method, template, tuple(sorted({f.name for f in self.fields}))


class PageParser(HTMLParser):
    """The links (a[href], [hx-get]) and the forms of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.htmx_links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: FormField | None = None
        self._textarea: FormField | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if a.get("hx-get"):
            self.htmx_links.append(a["hx-get"])
        if tag == "form":
            self._form = Form(
                method=(a.get("method") or "get").lower(),
                action=a.get("action", ""),
                multipart="multipart" in a.get("enctype", ""),
                fields=[],
            )
            self.forms.append(self._form)
        if self._form is None or "disabled" in a:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in {"checkbox", "radio"} and "checked" not in a:
                existing = self._field(name)
                if existing is not None:
                    existing.options.append(a.get("value", "on"))
                    return
                self._form.fields.append(FormField(name, kind, "", [a.get("value", "on")]))
                return
            if kind in {"submit", "image", "reset"}:
                return
            self._form.fields.append(
                FormField(name, kind, a.get("value", ""), [], a.get("accept", ""))
            )
        elif tag == "button" and name:
            if (existing := self._field(name)) is not None:
                existing.options.append(a.get("value", ""))
            else:
                value = a.get("value", "")
                self._form.fields.append(FormField(name, "button", value, [value]))
        elif tag == "select" and name:
            self._select = FormField(name, "select", "")
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select.options.append(value)
            if "selected" in a or not self._select.value:
                self._select.value = value
        elif tag == "textarea" and name:
            self._textarea = FormField(name, "textarea", "")
            self._form.fields.append(self._textarea)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def _field(self, name: str) -> FormField | None:
        assert self._form is not None
        return next((f for f in self._form.fields if f.name == name), None)


def plausible(form_field: FormField) -> str:
    """What a person would most likely have typed or picked in an empty field."""
    if form_field.value:
        return form_field.value
    if form_field.options:
        return form_field.options[0]
    soon = date.today() + timedelta(days=30)
    return {
        "email": "crawler@example.org",
        "number": "1",
        "date": soon.isoformat(),
        "time": "10:00",
        "datetime-local": f"{soon.isoformat()}T10:00",
        "url": "https://example.org/",
        "tel": "+49 30 1234567",
        # A fresh one each time: a staff form that creates an account with it must not give
        # the anonymous crawl a way to sign in.
        "password": secrets.token_urlsafe(16),
        "file": "",
    }.get(form_field.kind, "Crawler text")


DATE_NAME = re.compile(r"date|day|_on$|_at$|deadline|start|end|until|since|month|time")


def hostile_for(form_field: FormField) -> tuple[str, ...]:
    """The hostile values worth putting in this one field (every form also gets every value
    in every field at once): what it could be parsed as decides, numbers for a text too."""
    values: tuple[str, ...] = ("", NUL, LONG, HUGE_NUMBERS[0])
    if form_field.kind in {"number", "select", "hidden", "radio", "checkbox", "button", "range"}:
        values += HUGE_NUMBERS[1:]
    if form_field.kind in {"date", "datetime-local", "time", "month"} or DATE_NAME.search(
        form_field.name
    ):
        values += BAD_DATES
    return values


# The route table


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: HTTPRouteHandler

    @property
    def level(self) -> Access:
        return level_of(self.handler)

    @property
    def params(self) -> list[tuple[str, str]]:
        return PARAM.findall(self.template)

    @property
    def query_params(self) -> list[str]:
        """The query parameters the handler itself takes (dependencies read others)."""
        in_path = {name for name, _ in self.params}
        names = []
        for name, definition in self.handler.parsed_fn_signature.parameters.items():
            kwarg = definition.kwarg_definition
            if isinstance(kwarg, QueryParameter) or (
                kwarg is None and name not in RESERVED_KWARGS | in_path
            ):
                names.append(kwarg.query or name if isinstance(kwarg, QueryParameter) else name)
        return names


class RouteTable:
    """The app's routes, and which of them a concrete path belongs to."""

    def __init__(self, app: Litestar) -> None:
        self.routes: list[Route] = []
        for route in app.routes:
            for handler in getattr(route, "route_handlers", []):
                if isinstance(handler, HTTPRouteHandler):
                    for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                        self.routes.append(Route(method, route.path, handler))
        patterns: dict[str, re.Pattern[str]] = {}
        for path in {r.template for r in self.routes}:
            regex = ""
            last = 0
            for match in PARAM.finditer(path):
                regex += re.escape(path[last : match.start()])
                regex += ".*" if match.group(2) == "path" else "[^/]+"
                last = match.end()
            patterns[path] = re.compile(regex + re.escape(path[last:]))
        # The route with the most literal text wins: /contacts/new before /contacts/{id:int}.
        self._patterns = sorted(patterns.items(), key=lambda item: -len(PARAM.sub("", item[0])))
        self._by_key = {(r.method, r.template): r for r in self.routes}

    def template_of(self, path: str) -> str:
        for template, pattern in self._patterns:
            if pattern.fullmatch(path):
                return template
        return "(unrouted)"

    def route(self, method: str, template: str) -> Route | None:
        return self._by_key.get((method, template))


# The crawl


@dataclass
class Role:
    """Who crawls: the client is signed in as them (or not), ``partner`` fills partner params."""

    key: str
    client: TestClient[Litestar]
    partner: str
    bearer: str | None = None
    starts: list[str] = field(default_factory=list)


class UnhandledLog(logging.Handler):
    """Collects the exception types that the app's 500 handler logs ("unhandled X on ...")."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("unhandled ") and record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            self.seen.append(str(args[0]))

    def take(self) -> str:
        seen, self.seen = self.seen, []
        return ",".join(seen)


def _same_origin_path(base: str, href: str) -> str | None:
    href = href.strip()
    if not href or href.startswith(("#", "mailto:", "tel:", "javascript:", "data:")):
        return None
    absolute = urljoin(base, href)
    parts = urlsplit(absolute)
    if f"{parts.scheme}://{parts.netloc}" != ORIGIN:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


class Crawler:
    """Crawls as one role after another, and keeps every :class:`Hit`."""

    def __init__(self, app: Litestar, *, page_budget: int) -> None:
        self.table = RouteTable(app)
        self.page_budget = page_budget
        self.hits: list[Hit] = []
        self.pages_ok: dict[str, set[tuple[str, bool]]] = {}
        # Forms already tried field by field, by method, route and field names.
        self.deep_done: set[tuple[str, str, tuple[str, ...]]] = set()
        self.phase = "page"
        self.log = UnhandledLog()
        logging.getLogger("concord.web").addHandler(self.log)

    def close(self) -> None:
        logging.getLogger("concord.web").removeHandler(self.log)

    # One request

    def send(self, role: Role, method: str, url: str, *, htmx: bool = False, **kwargs: Any) -> Any:
        headers: dict[str, str] = dict(kwargs.pop("headers", {}))
        path = urlsplit(url).path
        if htmx:
            headers["HX-Request"] = "true"
        if role.bearer and path.startswith("/api/v1"):
            headers["authorization"] = f"Bearer {role.bearer}"
        template = self.table.template_of(path)
        started = time.perf_counter()
        try:
            response = role.client.request(
                method, url, headers=headers, follow_redirects=False, **kwargs
            )
        except Exception as exc:  # a failure the app did not turn into a response
            self.hits.append(
                Hit(
                    role.key,
                    method,
                    template,
                    599,
                    url[:MAX_URL_LOGGED],
                    type(exc).__name__,
                    self.phase,
                    (time.perf_counter() - started) * 1000,
                )
            )
            return None
        self.hits.append(
            Hit(
                role.key,
                method,
                template,
                response.status_code,
                url[:MAX_URL_LOGGED],
                self.log.take(),
                self.phase,
                (time.perf_counter() - started) * 1000,
            )
        )
        return response

    # Following links

    def crawl(self, role: Role) -> list[Form]:
        """Open every page reachable from the dashboard (and the role's own start pages),
        submitting each form found, and return the forms."""
        frontier: deque[tuple[str, bool]] = deque(
            [("/", False)] + [(s, False) for s in role.starts]
        )
        seen: set[tuple[str, bool]] = set(frontier)
        per_route: Counter[str] = Counter()
        forms: dict[tuple[str, str, tuple[str, ...]], tuple[str, Form]] = {}
        pending: deque[tuple[str, Form, bool]] = deque()
        queries: dict[tuple[str, str], str] = {}
        opened = 0
        ok = self.pages_ok.setdefault(role.key, set())

        def enqueue(url: str | None, htmx: bool = False) -> None:
            if url is None or (url, htmx) in seen:
                return
            path = urlsplit(url).path
            if path.startswith(SIGN_OUT) or path.startswith("/static/"):
                return
            template = self.table.template_of(path)
            if per_route[template] >= MAX_URLS_PER_ROUTE:
                return
            per_route[template] += 1
            for name, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True):
                queries.setdefault((template, name), url)
            seen.add((url, htmx))
            frontier.append((url, htmx))

        while frontier or pending:
            while frontier and opened < self.page_budget:
                self.phase = "page"
                url, htmx = frontier.popleft()
                opened += 1
                response = self.send(role, "GET", url, htmx=htmx)
                if response is None:
                    continue
                if response.is_redirect:
                    enqueue(_same_origin_path(ORIGIN + url, response.headers["location"]))
                    continue
                if response.status_code != 200:
                    continue
                ok.add((url, htmx))
                if "text/html" not in response.headers.get("content-type", ""):
                    continue
                parser = PageParser()
                parser.feed(response.text)
                for href in parser.links:
                    enqueue(_same_origin_path(ORIGIN + url, href))
                for href in parser.htmx_links:
                    enqueue(_same_origin_path(ORIGIN + url, href), htmx=True)
                for form in parser.forms:
                    action = _same_origin_path(ORIGIN + url, form.action or url)
                    if action is None or urlsplit(action).path.startswith(SIGN_OUT):
                        continue
                    key = form.signature(self.table.template_of(urlsplit(action).path))
                    if key not in forms:
                        forms[key] = (action, form)
                        pending.append((action, form, key not in self.deep_done))
                        self.deep_done.add(key)
            frontier.clear()
            if pending:
                action, form, deep = pending.popleft()
                for location in self.submit_hostile(role, action, form, field_by_field=deep):
                    enqueue(location)
        self.phase = "query"
        for (_, name), url in sorted(queries.items()):
            self.hostile_query(role, url, name)
        return [form for _, form in forms.values()]

    def hostile_query(self, role: Role, url: str, name: str) -> None:
        """The link ``url`` again, with each hostile value in its query parameter ``name``."""
        parts = urlsplit(url)
        kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name]
        for value in HOSTILE_VALUES:
            value = LONG_IN_URL if value == LONG else value
            self.send(role, "GET", f"{parts.path}?{urlencode([*kept, (name, value)])}")

    # Forms

    def submit_hostile(
        self, role: Role, action: str, form: Form, *, field_by_field: bool
    ) -> Iterator[str]:
        """Submit ``form`` with hostile values; yields where its answers redirected to.

        Every value goes into every field at once; ``field_by_field`` (the first role to
        find a form) also tries each field alone, the others as a person would fill them.
        """
        self.phase = "form"
        baseline = {f.name: plausible(f) for f in form.fields if f.kind != "file"}
        files = [f for f in form.fields if f.kind == "file"]
        editable = [f.name for f in form.fields if f.kind != "file" and f.name != CSRF_FIELD]
        attempts: list[dict[str, str]] = [baseline]
        for value in HOSTILE_VALUES:
            attempts.append({**baseline, **dict.fromkeys(editable, value)})
        for form_field in form.fields if field_by_field else []:
            if form_field.name in editable:
                for value in hostile_for(form_field):
                    attempts.append({**baseline, form_field.name: value})
        attempts.append({**baseline, **UNKNOWN_FIELDS})
        if files:
            attempts.append({**baseline, HOSTILE_UPLOAD_MARK: "1"})
        without_csrf = {k: v for k, v in baseline.items() if k != CSRF_FIELD}
        attempts.append(without_csrf)
        attempts.append({**without_csrf, CSRF_FIELD: "not-the-token"})
        for attempt in attempts:
            response = self._submit(role, action, form, attempt, files)
            if response is not None and response.is_redirect:
                location = _same_origin_path(ORIGIN + action, response.headers["location"])
                if location:
                    yield location

    def _submit(
        self, role: Role, action: str, form: Form, values: dict[str, str], files: list[FormField]
    ) -> Any:
        if form.method == "get":
            # A URL has a length limit of its own (the client refuses past 64 KiB).
            values = {k: LONG_IN_URL if v == LONG else v for k, v in values.items()}
            path = urlsplit(action).path
            query = urlencode([*parse_qsl(urlsplit(action).query), *values.items()])
            return self.send(role, "GET", f"{path}?{query}")
        if form.multipart or files:
            hostile = bool(values.get(HOSTILE_UPLOAD_MARK))
            values = {k: v for k, v in values.items() if k != HOSTILE_UPLOAD_MARK}
            uploads = {
                f.name: HOSTILE_UPLOAD if hostile else PDF_UPLOAD if ".pdf" in f.accept else UPLOAD
                for f in files
            }
            return self.send(role, "POST", action, data=values, files=uploads or None)
        return self.send(role, "POST", action, data=values)

    # The route table, with hostile path values

    def sweep_routes(self, role: Role, *, other_partner: str | None = None) -> list[Hit]:
        """Every route with hostile path values; with ``other_partner``, also every route
        with a partner in its path, filled with that partner: returns those answers."""
        token = role.client.cookies.get("concord_csrf") or ""
        foreign: list[Hit] = []
        for route in self.table.routes:
            self.phase = "route"
            if not route.template.startswith(SIGN_OUT):
                plain = self._fill(route.template, role.partner, {})
                self._request_route(role, route, plain, token)
            for url in self._hostile_urls(route, role.partner):
                self._request_route(role, route, url, token)
            if route.method == "GET" and route.query_params:
                url = self._fill(route.template, role.partner, {})
                opened = self.send(role, "GET", url)
                if opened is not None and opened.status_code < 400:
                    for name in route.query_params:
                        self.hostile_query(role, url, name)
            if other_partner and any(name == "partner" for name, _ in route.params):
                self.phase = "foreign"
                url = self._fill(route.template, role.partner, {"partner": other_partner})
                self._request_route(role, route, url, token)
                foreign.append(self.hits[-1])
        return foreign

    def _request_route(self, role: Role, route: Route, url: str, token: str) -> None:
        data = {CSRF_FIELD: token} if route.method != "GET" else None
        self.send(role, route.method, url, data=data)

    def _hostile_urls(self, route: Route, partner: str) -> Iterator[str]:
        for name, kind in route.params:
            values = {"int": HOSTILE_INTS, "path": HOSTILE_FILE_PATHS}.get(kind, HOSTILE_STRS)
            for value in values:
                yield self._fill(route.template, partner, {name: value})

    @staticmethod
    def _fill(template: str, partner: str, chosen: dict[str, str]) -> str:
        def one(match: re.Match[str]) -> str:
            name, kind = match.groups()
            if name in chosen:
                return chosen[name]
            if name == "partner":
                return partner
            return {"int": "1", "path": "concord.css"}.get(kind, "crawler-value")

        return PARAM.sub(one, template)

    def replay(self, role: Role, urls: Iterable[tuple[str, bool]], phase: str) -> list[Hit]:
        """GET each of ``urls`` again as ``role``; returns the answers."""
        self.phase = phase
        answers = []
        for url, htmx in sorted(urls):
            self.send(role, "GET", url, htmx=htmx)
            answers.append(self.hits[-1])
        return answers

    def probe_static(self, role: Role) -> None:
        """One look at the static files, which the crawl otherwise leaves alone."""
        self.phase = "page"
        self.send(role, "GET", "/static/concord.css")

    # Reporting

    def counts(self, hits: Iterable[Hit] | None = None) -> dict[str, dict[str, int]]:
        report: dict[str, dict[str, int]] = {}
        for hit in self.hits if hits is None else hits:
            line = report.setdefault(hit.role, {"requests": 0, "5xx": 0})
            line["requests"] += 1
            line["5xx"] += hit.failed
        return report


def describe(hits: Iterable[Hit], allowed: Callable[[Hit], bool]) -> list[str]:
    """One line per distinct failure: role, method, route, status and exception type."""
    lines = Counter(
        f"{h.role} {h.method} {h.template} {h.status} {h.exception or '-'}"
        for h in hits
        if not allowed(h)
    )
    return [f"{line} (x{n})" for line, n in sorted(lines.items())]
