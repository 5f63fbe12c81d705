"""One retention run over one vault: plan, anonymise, scrub the file, record the counts."""

from __future__ import annotations

from dataclasses import dataclass

from concord.settings import Settings
from consent.audit import chain as audit
from consent.db import Vaults
from consent.retention.services import RetentionPlan, anonymise, forget_old_reports, plan


@dataclass(frozen=True)
class RetentionRun:
    plan: RetentionPlan
    anonymised: int


def run_retention(
    settings: Settings, vaults: Vaults, partner_slug: str, *, actor: str
) -> RetentionRun:
    """Anonymise every contact of the vault that is due, and append the counts to the audit chain.

    Planning and anonymising share one transaction, so a contact that became active meanwhile
    is not caught by a stale plan; running it twice anonymises nobody the second time.
    """
    inactive_months = settings.inactive_months
    with vaults.transaction(partner_slug) as session:
        due = plan(session, inactive_months=inactive_months)
        erased = anonymise(session, due.contact_ids)
        reports = forget_old_reports(session, inactive_months=inactive_months)
    if erased.contacts or reports:
        vaults.scrub(partner_slug)
    with vaults.transaction(partner_slug) as session:
        audit.record(
            session,
            actor=actor,
            action="retention.anonymise",
            object_ref=f"partner:{partner_slug}",
            detail=(
                f"{due.summary()} anonymised={erased.contacts} rows={erased.total_rows} "
                f"report_rows={reports}"
            ),
        )
    return RetentionRun(due, erased.contacts)
