"""Retention: contacts past every purpose's retention period, or long inactive, are anonymised."""
