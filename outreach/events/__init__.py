"""Joint events: co-hosted events in the hub, their counts and capacity; invitations and
answers live in each inviting partner's vault (``consent/invitations``)."""
