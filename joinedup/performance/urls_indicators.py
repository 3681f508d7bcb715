"""Routes for areas, population indicators, value imports, targets and indicator charts
(joined into `urls.py`)."""

from __future__ import annotations

from django.urls import URLPattern, path

from .views import indicators as views

urlpatterns: list[URLPattern] = [
    path("indicators/", views.indicator_list, name="indicator_list"),
    path("indicators/new/", views.indicator_create, name="indicator_create"),
    path("indicators/<slug:code>/", views.indicator_detail, name="indicator_detail"),
    path("indicators/<slug:code>/edit/", views.indicator_edit, name="indicator_edit"),
    path("indicators/<slug:code>/import/", views.values_upload, name="values_upload"),
    path("indicators/<slug:code>/import/check/", views.values_confirm, name="values_confirm"),
    path(
        "indicators/<slug:code>/areas/<str:area_code>/",
        views.indicator_area,
        name="indicator_area",
    ),
    path(
        "indicators/<slug:code>/areas/<str:area_code>/chart.svg",
        views.indicator_area_svg,
        name="indicator_area_svg",
    ),
    path(
        "indicators/<slug:code>/areas/<str:area_code>/target/",
        views.target_edit,
        name="target_edit",
    ),
    path("areas/", views.area_list, name="area_list"),
    path("areas/import/", views.areas_upload, name="areas_upload"),
    path("areas/custom/new/", views.custom_area_create, name="custom_area_create"),
    path("areas/<str:code>/", views.area_detail, name="area_detail"),
    path("areas/<str:code>/edit/", views.custom_area_edit, name="custom_area_edit"),
]
