"""A partner's vault on its own server: enrolment, the node API, its worker."""
