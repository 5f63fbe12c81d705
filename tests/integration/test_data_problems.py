"""Rows staff need to look at: noted by the migration and the date check, shown on the
dashboard to those whose rows they are and on the row's own page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from alembic import command
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import delete, select, update

from concord import jobs
from concord.cli.stored_dates import check_dates
from concord.hub import MIGRATIONS
from concord.migrate import alembic_config, upgrade
from concord.problems.models import DataProblem
from outreach.calendar.items import create_item, parse_item
from outreach.calendar.models import OutreachItem
from tests.conftest import PARTNER_A, World
from tests.integration.test_calendar import item_form
from tests.integration.test_calendar_sending import next_day

YEAR_ONE = datetime(1, 1, 1, 10, tzinfo=UTC)


def an_item_in_year_one(world: World) -> str:
    fields = parse_item(item_form(next_day()))
    item_id = create_item(
        world.hub, world.directory, PARTNER_A, fields, actor="user:1", form_key=""
    )
    with world.hub.transaction() as session:
        session.execute(
            update(OutreachItem)
            .where(OutreachItem.id == item_id)
            .values(starts_at=YEAR_ONE, ends_at=YEAR_ONE)
        )
    return item_id


def noted(world: World) -> list[tuple[str, str, str | None, str]]:
    with world.hub.transaction() as session:
        return [
            (p.subject, p.subject_id, p.partner_slug, p.reason)
            for p in session.scalars(select(DataProblem))
        ]


def test_the_migration_notes_stored_dates_outside_their_windows(world: World) -> None:
    item_id = an_item_in_year_one(world)
    config = alembic_config(MIGRATIONS)
    with world.hub.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "hub0011")
    upgrade(world.hub.engine, MIGRATIONS)

    assert noted(world) == [
        (
            "outreach item",
            item_id,
            PARTNER_A,
            "Its start, 0001-01-01, is outside the dates it can have.",
        )
    ]


def test_the_date_check_notes_and_clears_and_the_pages_show_it(
    world: World, as_user: Callable[[str], TestClient[Litestar]]
) -> None:
    item_id = an_item_in_year_one(world)
    jobs.bind(world.hub, **world.job_services())
    with world.hub.transaction() as session:
        session.execute(delete(DataProblem))
    check_dates()
    assert [n[:3] for n in noted(world)] == [("outreach item", item_id, PARTNER_A)]

    for key, shown in (("comms_a", True), ("secretariat", True), ("comms_b", False)):
        page = as_user(key).get("/")
        assert page.status_code == 200
        assert ('id="noted-problems"' in page.text) is shown, key
    item_page = as_user("comms_a").get(f"/partners/{PARTNER_A}/calendar/items/{item_id}")
    assert item_page.status_code == 200
    assert 'id="stored-problem"' in item_page.text

    with world.hub.transaction() as session:
        moved = datetime.combine(next_day(), datetime.min.time(), UTC)
        session.execute(
            update(OutreachItem).where(OutreachItem.id == item_id).values(starts_at=moved)
        )
    check_dates()
    assert noted(world) == []
