"""The decision register: proposals, each partner's position, and outcomes computed from the
rules of the principles in force."""
