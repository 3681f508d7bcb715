"""Data matching pages: extracts, runs, the review queue, linked people (``views``) and
"known to several agencies" (``insight_views``)."""

from __future__ import annotations

from . import insight_views, views

app_name = "matching"
urlpatterns = [*views.urlpatterns, *insight_views.urlpatterns]
