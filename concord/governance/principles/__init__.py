"""The Principles for Collaboration: versioned text plus the settings the platform enforces,
signed by every partner's signatory."""
