"""Rows that staff need to look at: a job could not process them, or they hold a value that
was stored before its field had a window. Recorded by reference, never by content."""
