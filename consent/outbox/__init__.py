"""Each vault's outbox: stakeholder mail, queued, consent-checked and sent by a job."""
