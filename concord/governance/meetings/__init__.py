"""Monthly meetings: the recurring series, single meetings, agendas and attendance."""
