"""Stakeholder links: opaque, expiring tokens that stand in for an account."""
