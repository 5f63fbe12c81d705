"""Partnership-wide "find my data": a person proves an address and sees which partners hold it."""
