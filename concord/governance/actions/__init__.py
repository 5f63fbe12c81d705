"""Action items from meetings: owner, due date, status and reminders."""
