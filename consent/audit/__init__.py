"""The vault's own audit chain: what its staff and its stakeholders did in it."""
