"""The glossary crosswalk: shared terms beside each partner's own term and definition."""
