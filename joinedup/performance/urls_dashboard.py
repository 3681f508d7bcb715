"""Routes for the performance app's dashboard pages (joined into `urls.py`)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
