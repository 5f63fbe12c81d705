"""The partnership's shared list of stakeholder categories (each partner maps its own onto it)."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from concord.db import HubBase


class SharedCategory(HubBase):
    __tablename__ = "shared_categories"

    slug: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(1000), default="")
