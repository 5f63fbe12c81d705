"""The partnership's governance records: principles, decisions, glossary (and, beside them,
meetings and review rounds)."""
