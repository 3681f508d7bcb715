"""Routes for the shared partnership dashboard, its settings, disclosure control and the public
(anonymised) dashboard (joined into `urls.py`)."""

from __future__ import annotations

from django.urls import URLPattern, path

from .views import dashboard as views

urlpatterns: list[URLPattern] = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/definitions/", views.definitions, name="dashboard_definitions"),
    path("dashboard/settings/", views.dashboard_settings, name="dashboard_settings"),
    path(
        "dashboard/settings/<uuid:item_id>/remove/",
        views.item_remove,
        name="dashboard_item_remove",
    ),
    path("dashboard/settings/<uuid:item_id>/move/", views.item_move, name="dashboard_item_move"),
    path(
        "dashboard/settings/<uuid:item_id>/public/",
        views.item_public,
        name="dashboard_item_public",
    ),
    path("dashboard/disclosure/", views.disclosure_settings, name="disclosure_settings"),
    path("public/dashboard/", views.public_dashboard, name="public_dashboard"),
    path("public/dashboard.csv", views.public_dashboard_csv, name="public_dashboard_csv"),
]
