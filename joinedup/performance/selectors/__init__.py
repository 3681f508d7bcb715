"""Performance app selectors, one module per part (indicators, reports, measures, dashboard)."""
