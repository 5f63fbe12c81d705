"""Publishing counts: small cells suppressed, the rest rounded.

A count below the threshold k (but above zero) is published as suppressed; any other count is
rounded to the nearest multiple of the rounding base, and never below k. Pairwise and k-way
counts of the same round can still be differenced against each other to narrow a suppressed
cell: that residual risk is documented in the README, and the thresholds come from the
partnership's signed principles.
"""

from __future__ import annotations

from dataclasses import dataclass

from concord.partnership.settings import PartnershipSettings


@dataclass(frozen=True)
class Published:
    """A count fit to show: ``value`` is None when the cell is suppressed."""

    value: int | None

    @property
    def suppressed(self) -> bool:
        return self.value is None

    def label(self, threshold: int) -> str:
        return f"<{threshold}" if self.value is None else str(self.value)


def publish(count: int, rules: PartnershipSettings) -> Published:
    if count == 0:
        return Published(0)
    if count < rules.suppression_threshold:
        return Published(None)
    base = max(rules.rounding, 1)
    rounded = (count + base // 2) // base * base  # half up, unlike round()
    return Published(max(rounded, rules.suppression_threshold))
