"""Shared foundations: base models, the acting user, access rules, the GOV.UK layout.

`core` knows no other JoinedUp app (architecture rule 7)."""
