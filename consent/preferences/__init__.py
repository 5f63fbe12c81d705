"""The stakeholder's preference centre, one-click unsubscribe and double opt-in."""
