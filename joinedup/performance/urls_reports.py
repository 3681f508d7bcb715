"""Routes for the performance app's turn-the-curve report pages (joined into `urls.py`)."""

from __future__ import annotations

from django.urls import URLPattern, path

from .views import reports as views

urlpatterns: list[URLPattern] = [
    path("reports/", views.report_list, name="reports"),
    path("reports/new/", views.report_start, name="report_start"),
    path("reports/<uuid:report_id>/", views.report_detail, name="report"),
    path("reports/<uuid:report_id>/change/", views.report_change, name="report_change"),
    path("reports/<uuid:report_id>/history/", views.report_history, name="report_history"),
    path(
        "reports/<uuid:report_id>/history/<int:version>/",
        views.report_revision,
        name="report_revision",
    ),
    path("reports/<uuid:report_id>/report-card.pdf", views.report_card, name="report_card"),
    path(
        "reports/<uuid:report_id>/<slug:section>/add/",
        views.report_item_add,
        name="report_item_add",
    ),
    path(
        "reports/<uuid:report_id>/<slug:section>/<uuid:item_id>/",
        views.report_item_change,
        name="report_item_change",
    ),
    path(
        "reports/<uuid:report_id>/<slug:section>/<uuid:item_id>/remove/",
        views.report_item_remove,
        name="report_item_remove",
    ),
    path(
        "reports/<uuid:report_id>/<slug:section>/<uuid:item_id>/move/",
        views.report_item_move,
        name="report_item_move",
    ),
]
