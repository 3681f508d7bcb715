"""Performance app services, one module per part (indicators, reports, measures, dashboard)."""
