"""Triage is recorded through its pages (services audit every change), so Django admin offers
no triage screens."""
