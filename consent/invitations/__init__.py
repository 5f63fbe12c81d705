"""Invitations to joint events and their answers: personal data, kept in the inviting
partner's vault. The hub holds the event and counts only."""
