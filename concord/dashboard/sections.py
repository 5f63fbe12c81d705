"""Dashboard sections: each is a partial template plus its context, made by a provider.

The dashboard renders whichever sections its providers return, one partial each, so a new
feature adds a provider (here, or from the composition root for packages ``concord`` may not
import) without touching the dashboard's page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from concord.accounts.viewer import Viewer


@dataclass(frozen=True)
class Section:
    """One card of the dashboard: ``template`` is a partial that reads ``section.context``."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


SectionProvider = Callable[[Session, Viewer], Section | None]


def platform_sections() -> Sequence[SectionProvider]:
    """The platform's own sections, in the order they appear."""
    from concord.governance.dashboard import (
        awaiting_signature,
        next_meeting,
        open_review_rounds,
        overdue_actions,
        recent_decisions,
    )
    from concord.problems.dashboard import noted_problems

    return (
        noted_problems,
        awaiting_signature,
        next_meeting,
        overdue_actions,
        open_review_rounds,
        recent_decisions,
    )


def sections_for(
    session: Session, viewer: Viewer, providers: Sequence[SectionProvider]
) -> list[Section]:
    return [s for provider in providers if (s := provider(session, viewer)) is not None]
