"""Outcomes are recorded and verified through their pages (services check who may act and
audit every change), so Django admin offers no outcome screens."""
