"""Find my data: a one-time code proves an address, then each vault checks it for itself.

Nothing is looked up before the code is verified, and the code is sent whether or not anyone
holds the address, so the answer (and the time it takes) says nothing about the address. The
hub keeps keyed hashes only: of the address (for rate limits and to tie the session to it),
of the client, of the code and of the cookies' tokens. The address itself travels sealed in
the person's cookie (see :mod:`concord.finder.sealing`). Each vault answers only for itself,
and nothing is written to a vault about the others.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import formataddr

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from concord.db import utcnow
from concord.errors import InvalidInput
from concord.finder.models import FinderChallenge, FinderRequest, FinderSession
from concord.finder.sealing import seal, unseal
from concord.hub import Hub
from concord.identifiers import InvalidIdentifier, normalise_email
from concord.languages import DEFAULT
from concord.mail.rendering import render_email
from concord.mail.smtp import DeliveryError, build_message, deliver, new_message_id
from concord.partners.services import all_partners
from concord.secrets import keyed_hash, new_token, token_hash
from concord.settings import Settings
from concord.translations import N_, translate
from consent.public import Evidence, NodeUnavailable, VaultDirectory

log = logging.getLogger("concord.finder")

CODE_LIFETIME = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(minutes=30)
MAX_CODE_ATTEMPTS = 5
WINDOW = timedelta(minutes=15)
REQUESTS_PER_ADDRESS = 3
REQUESTS_PER_CLIENT = 10


class TooManyRequests(Exception):
    """More code requests than the limits allow, from this address or this client."""


class ChallengeProblem(Exception):
    """A code that cannot be accepted; ``status`` is 400 (wrong), 410 (gone) or 429."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class CodeRequest:
    """What the caller needs once the request is stored: the cookie, and what to send where."""

    cookie: str
    address: str
    code: str


@dataclass(frozen=True)
class Holding:
    partner_name: str
    # The preference centre: a path on a single box, the partner node's URL when federated;
    # empty when the partner's node could not be asked.
    preferences_path: str

    @property
    def unreachable(self) -> bool:
        return not self.preferences_path


def address_key(settings: Settings, address: str) -> str:
    return keyed_hash(settings.secret_key, "finder-address", address)


def _client_key(settings: Settings, client_address: str) -> str:
    return keyed_hash(settings.secret_key, "finder-client", client_address)


def _code_hash(settings: Settings, token: str, code: str) -> str:
    return keyed_hash(settings.secret_key, "finder-code", f"{token}\x00{code}")


def _split(cookie: str | None) -> tuple[str, str] | None:
    if not cookie or "." not in cookie or len(cookie) > 2000:
        return None
    token, _, sealed = cookie.partition(".")
    return token, sealed


def request_code(
    session: Session,
    settings: Settings,
    *,
    raw_email: str,
    client_address: str,
    now: datetime | None = None,
) -> CodeRequest:
    """Store a new code for the address (after the rate limits); the caller sends it."""
    try:
        address = normalise_email(raw_email)
    except InvalidIdentifier:
        raise InvalidInput.one(
            "email", N_("Enter an email address, like name@example.org.")
        ) from None
    now = now or utcnow()
    keys = (address_key(settings, address), _client_key(settings, client_address))
    limits = (REQUESTS_PER_ADDRESS, REQUESTS_PER_CLIENT)
    for key, limit in zip(keys, limits, strict=True):
        recent = session.scalar(
            select(func.count()).where(FinderRequest.key == key, FinderRequest.at >= now - WINDOW)
        )
        if (recent or 0) >= limit:
            raise TooManyRequests()
    session.add_all([FinderRequest(key=key, at=now) for key in keys])
    token = new_token()
    code = f"{secrets.randbelow(10**6):06d}"
    session.add(
        FinderChallenge(
            token_hash=token_hash(token),
            address_key=keys[0],
            code_hash=_code_hash(settings, token, code),
            attempts=0,
            created_at=now,
            expires_at=now + CODE_LIFETIME,
        )
    )
    cookie = f"{token}.{seal(settings.secret_key, token, address)}"
    return CodeRequest(cookie=cookie, address=address, code=code)


def send_code(settings: Settings, request: CodeRequest, *, language: str = DEFAULT) -> None:
    """Email the code straight through the transport (the demo mailbox in demo mode), in
    the language of the page that asked for it."""
    subject, text, html = render_email(
        "concord/mail",
        "find_my_data_code",
        {"code": request.code, "minutes": int(CODE_LIFETIME.total_seconds() // 60)},
        language=language,
    )
    message = build_message(
        sender=formataddr((translate(language, "The partnership"), settings.mail_from)),
        to=request.address,
        subject=subject,
        text=text,
        html=html,
        message_id=new_message_id(settings),
        headers={"Auto-Submitted": "auto-generated"},
    )
    try:
        deliver(settings, message)
    except DeliveryError as error:
        # The same page follows either way: a failure must not tell anything about the address.
        log.warning("find-my-data code not delivered: %s", error.reason)


def verify_code(
    session: Session,
    settings: Settings,
    cookie: str | None,
    code: str,
    *,
    now: datetime | None = None,
) -> str:
    """Check the code against the challenge in ``cookie``; returns the session cookie."""
    now = now or utcnow()
    parts = _split(cookie)
    challenge = session.get(FinderChallenge, token_hash(parts[0])) if parts else None
    gone = N_("This code has expired or was used. Ask for a new one.")
    if parts is None or challenge is None:
        raise ChallengeProblem(410, gone)
    if challenge.verified_at is not None or challenge.expires_at <= now:
        raise ChallengeProblem(410, gone)
    if challenge.attempts >= MAX_CODE_ATTEMPTS:
        raise ChallengeProblem(429, N_("Too many wrong codes. Ask for a new one."))
    token, sealed = parts
    expected = _code_hash(settings, token, "".join(code.split()))
    if not hmac.compare_digest(expected, challenge.code_hash):
        # Counted by compare-and-set, so parallel guesses cannot share one attempt.
        session.execute(
            update(FinderChallenge)
            .where(
                FinderChallenge.token_hash == challenge.token_hash,
                FinderChallenge.attempts == challenge.attempts,
            )
            .values(attempts=challenge.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        raise ChallengeProblem(400, N_("That code is not right. Check the email and try again."))
    address = unseal(settings.secret_key, token, sealed)
    if address is None or address_key(settings, address) != challenge.address_key:
        raise ChallengeProblem(410, gone)
    challenge.verified_at = now
    session_token = new_token()
    session.add(
        FinderSession(
            token_hash=token_hash(session_token),
            address_key=challenge.address_key,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    return f"{session_token}.{seal(settings.secret_key, session_token, address)}"


def verified_address(
    session: Session, settings: Settings, cookie: str | None, *, now: datetime | None = None
) -> tuple[str, str] | None:
    """The (session token, address) a valid session cookie proves, else None."""
    parts = _split(cookie)
    if parts is None:
        return None
    token, sealed = parts
    row = session.get(FinderSession, token_hash(token))
    if row is None or row.expires_at <= (now or utcnow()):
        return None
    address = unseal(settings.secret_key, token, sealed)
    if address is None or address_key(settings, address) != row.address_key:
        return None
    return token, address


def end_session(session: Session, cookie: str | None) -> None:
    if parts := _split(cookie):
        session.execute(
            delete(FinderSession).where(FinderSession.token_hash == token_hash(parts[0]))
        )


def _partners(hub: Hub) -> list[tuple[str, str]]:
    with hub.transaction() as session:
        return [(p.slug, p.name) for p in all_partners(session)]


def holdings(hub: Hub, vaults: VaultDirectory, address: str) -> list[Holding]:
    """Each partner whose vault holds the address, with a fresh preference-centre link; in
    federated mode the link is on the partner's own node, and a node that cannot be asked is
    listed as such rather than failing the whole answer."""
    with hub.transaction() as session:
        partners = [(p.slug, p.name, p.node_url) for p in all_partners(session)]
    found: list[Holding] = []
    for slug, name, node_url in partners:
        try:
            path = vaults.vault(slug).holding_link(address)
        except NodeUnavailable:
            found.append(Holding(name, ""))
            continue
        if path is not None:
            base = node_url if hub.settings.federated and node_url else ""
            found.append(Holding(name, f"{base}{path}"))
    return found


def withdraw_everywhere(hub: Hub, vaults: VaultDirectory, address: str, evidence: Evidence) -> int:
    """Withdraw every consent in every vault that holds the address; returns how many changed."""
    return sum(
        vaults.vault(slug).withdraw_all_consent(address, evidence) for slug, _ in _partners(hub)
    )


def forget_expired(session: Session, *, now: datetime | None = None) -> None:
    """Delete expired codes and sessions and request records older than the window."""
    now = now or utcnow()
    session.execute(delete(FinderChallenge).where(FinderChallenge.expires_at < now))
    session.execute(delete(FinderSession).where(FinderSession.expires_at < now))
    session.execute(delete(FinderRequest).where(FinderRequest.at < now - WINDOW))
