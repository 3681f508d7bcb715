"""Routes for the performance app's measures pages (joined into `urls.py`)."""

from __future__ import annotations

from django.urls import URLPattern, path

from .views import measures as views

urlpatterns: list[URLPattern] = [
    path("measures/", views.measure_list, name="measures"),
    path("measures/how-we-count/", views.how_we_count, name="how_we_count"),
    path("measures/<slug:code>/people/", views.measure_people, name="measure_people"),
    path("measures/<slug:code>/change/", views.measure_change, name="measure_change"),
]
