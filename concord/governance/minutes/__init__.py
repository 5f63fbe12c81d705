"""Minutes of meetings: drafted, circulated for comment, approved and locked, then amended."""
