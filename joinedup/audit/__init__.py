"""The append-only, hash-chained audit log of every look at and change of personal data."""
