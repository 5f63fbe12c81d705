"""The partnership's governance records, kept in the hub: principles, decisions, glossary,
meetings, minutes, action items and review rounds."""
