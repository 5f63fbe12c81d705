"""Data-subject requests (GDPR Art. 12 to 21): tracking, access, restriction, objection, erasure."""
