"""The partnership's governance records, kept by the secretariat in the hub."""
