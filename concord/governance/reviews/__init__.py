"""Review rounds of joint documents, with each partner's status at a glance."""
