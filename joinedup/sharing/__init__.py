"""Information categories, sharing agreements, the consent ledger, lawful bases, break-glass and
the one access policy (``sharing.policy``)."""
