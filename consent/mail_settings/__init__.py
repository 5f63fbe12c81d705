"""How a partner writes to its stakeholders: default language, sender name and address."""
