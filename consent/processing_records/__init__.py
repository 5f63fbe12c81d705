"""The record of processing activities (GDPR Art. 30), generated from a partner's own data."""
