"""The hub's side of the port to each partner's vault (see :mod:`consent.public`)."""
