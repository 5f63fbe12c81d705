"""The PostgreSQL server named by ``CONCORD_TEST_POSTGRES_URL`` answers.

Skipped where the variable is unset (a developer without PostgreSQL), except on CI
(``CI=true``): there a missing server would quietly turn every PostgreSQL test into a skip,
so this test fails instead.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text

URL_VARIABLE = "CONCORD_TEST_POSTGRES_URL"


@pytest.mark.postgres
def test_postgres_server_answers() -> None:
    url = os.environ.get(URL_VARIABLE)
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail(
                f"CI=true but {URL_VARIABLE} is not set: .ci/run must start PostgreSQL and "
                "export its URL, or every PostgreSQL test is skipped",
                pytrace=False,
            )
        pytest.skip(f"{URL_VARIABLE} is not set")
    engine = create_engine(url, connect_args={"connect_timeout": 10})
    try:
        with engine.connect() as conn:
            version = conn.execute(text("SELECT version()")).scalar_one()
    finally:
        engine.dispose()
    assert isinstance(version, str)
    assert "PostgreSQL" in version, version
