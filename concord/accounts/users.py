"""Creating staff accounts and changing their passwords."""

from __future__ import annotations

from argon2 import PasswordHasher
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from concord.accounts.models import Role, User, WebSession
from concord.accounts.passwords import check_password, password_problem
from concord.audit import chain
from concord.db import utcnow
from concord.errors import InvalidInput
from concord.partners.services import by_slug


def normalise_login_email(email: str) -> str:
    """A staff email in the form accounts are stored and looked up by."""
    try:
        checked = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise InvalidInput.one("email", "Enter a valid email address.") from None
    return checked.normalized.lower()


def parse_role(raw: str) -> Role:
    try:
        return Role(raw)
    except ValueError:
        allowed = ", ".join(role.value for role in Role)
        raise InvalidInput.one("role", f"Unknown role; use one of: {allowed}.") from None


def add_user(
    session: Session,
    ph: PasswordHasher,
    *,
    email: str,
    role: str,
    password: str,
    partner_slug: str | None,
    display_name: str = "",
    actor: str,
) -> User:
    """Create a staff account; the role decides whether it must belong to a partner."""
    address = normalise_login_email(email)
    parsed_role = parse_role(role)
    errors: dict[str, str] = {}
    partner = None
    if parsed_role.belongs_to_partner:
        if not partner_slug:
            errors["partner"] = f"A {parsed_role.value} account belongs to a partner; name one."
        elif (partner := by_slug(session, partner_slug)) is None:
            errors["partner"] = "No partner has this slug."
    elif partner_slug:
        errors["partner"] = "Secretariat accounts belong to no partner."
    if len(display_name) > 200 or not display_name.isprintable():
        errors["display_name"] = "Give a name of at most 200 characters, no control characters."
    if problem := password_problem(password):
        errors["password"] = problem
    if session.scalar(select(User.id).where(User.email == address)) is not None:
        errors["email"] = "An account with this email exists already."
    if errors:
        raise InvalidInput(errors)
    user = User(
        email=address,
        display_name=display_name.strip() or address.split("@")[0],
        role=parsed_role,
        partner=partner,
        password_hash=ph.hash(password),
    )
    session.add(user)
    session.flush()
    chain.record(
        session,
        actor=actor,
        action="user.add",
        object_ref=f"user:{user.id}",
        detail=f"role={parsed_role.value}",
    )
    return user


def by_email(session: Session, email: str) -> User | None:
    try:
        address = normalise_login_email(email)
    except InvalidInput:
        return None
    return session.scalar(select(User).where(User.email == address))


def set_password(session: Session, ph: PasswordHasher, user: User, new_password: str) -> None:
    """Store a new password and end every session of the account."""
    if problem := password_problem(new_password):
        raise InvalidInput.one("new_password", problem)
    user.password_hash = ph.hash(new_password)
    user.password_changed_at = utcnow()
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    chain.record(
        session, actor=f"user:{user.id}", action="user.password", object_ref=f"user:{user.id}"
    )


def change_password(
    session: Session, ph: PasswordHasher, user: User, current: str, new_password: str
) -> None:
    """Change a password after re-checking the current one."""
    if not check_password(user.password_hash, current, ph):
        raise InvalidInput.one("current_password", "This is not your current password.")
    set_password(session, ph, user, new_password)
