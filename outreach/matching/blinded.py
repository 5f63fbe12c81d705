"""A federated round's routing: each vault's blinded set goes through every other vault.

Each node submits its records with every identifier's group element raised to its own
scalar. The hub announces the set sizes, then sends each set through every other node in
turn, in chunks, so that every point ends raised to every node's scalar, ``H(x)^(k1·…·kn)``.
Equal identifiers at different partners then give equal points, and the hub links them as
it links keyed tokens; it never holds a scalar, and no node sees another's finished set.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from consent.public import RoundRecord, VaultDirectory, VaultSubmission

# Points per re-blinding call: 2 MiB of raw 32-byte points each way.
CHUNK_POINTS = 65_536


def _points(submission: VaultSubmission) -> list[bytes]:
    return [point for record in submission.records for point in record.tokens]


def _with_points(submission: VaultSubmission, points: Sequence[bytes]) -> VaultSubmission:
    records: list[RoundRecord] = []
    position = 0
    for record in submission.records:
        width = len(record.tokens)
        tokens = tuple(points[position : position + width])
        records.append(RoundRecord(record.pseudonym, record.category, tokens))
        position += width
    return VaultSubmission(records, submission.shared_identifiers)


def route_through_every_vault(
    vaults: VaultDirectory,
    round_id: str,
    submissions: dict[str, VaultSubmission],
    note: Callable[[str], None],
) -> dict[str, VaultSubmission]:
    """Each submission with its points re-blinded by every other vault."""
    sets = {slug: _points(submission) for slug, submission in submissions.items()}
    sizes = {slug: len(points) for slug, points in sets.items()}
    for slug in submissions:
        vaults.vault(slug).announce_round(
            round_id, {other: size for other, size in sizes.items() if other != slug}
        )
    finished: dict[str, VaultSubmission] = {}
    for number, (origin, points) in enumerate(sets.items(), start=1):
        for other in submissions:
            if other == origin:
                continue
            note(f"blinding set {number} of {len(sets)} at {other}")
            port = vaults.vault(other)
            blinded: list[bytes] = []
            for offset in range(0, len(points), CHUNK_POINTS):
                chunk = points[offset : offset + CHUNK_POINTS]
                blinded.extend(port.reblind(round_id, origin, offset, chunk))
            points = blinded
        finished[origin] = _with_points(submissions[origin], points)
    return finished
