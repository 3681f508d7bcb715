"""Performance app forms, one module per part (indicators, reports, measures, dashboard)."""
