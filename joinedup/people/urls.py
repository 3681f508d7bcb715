from django.urls import path

from . import views

app_name = "people"

urlpatterns = [
    path("people/", views.search, name="search"),
    path("people/new/", views.add_start, name="add_start"),
    path("people/new/check/", views.add_check, name="add_check"),
    path("people/new/details/", views.add_details, name="add_details"),
    path("people/<uuid:person_id>/", views.detail, name="detail"),
    path("people/<uuid:person_id>/change/", views.change, name="change"),
    path("people/<uuid:person_id>/names/new/", views.add_other_name, name="add_other_name"),
    path("people/<uuid:person_id>/warnings/new/", views.add_warning, name="add_warning"),
    path("people/<uuid:person_id>/timeline/", views.timeline, name="timeline"),
]
