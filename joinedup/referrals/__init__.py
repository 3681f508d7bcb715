"""Referrals in: from partners' staff, from residents themselves, from data matching and other
systems; inboxes per organisation and team with response-time targets (F5)."""
