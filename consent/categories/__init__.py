"""A partner's own stakeholder categories and how they map onto the shared ones."""
