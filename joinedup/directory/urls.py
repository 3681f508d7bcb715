from django.urls import path

from . import views

app_name = "directory"

urlpatterns = [
    path("directory/", views.search, name="search"),
    path("directory/export/", views.export, name="export"),
    path("directory/import/", views.import_services, name="import"),
    path("directory/services/new/", views.service_create, name="service_create"),
    path(
        "directory/services/<uuid:service_id>/",
        views.service_detail,
        name="service_detail",
    ),
    path(
        "directory/services/<uuid:service_id>/change/",
        views.service_edit,
        name="service_edit",
    ),
    path(
        "directory/services/<uuid:service_id>/archive/",
        views.service_archive,
        name="service_archive",
    ),
    path(
        "directory/services/<uuid:service_id>/locations/new/",
        views.location_add,
        name="location_add",
    ),
    path(
        "directory/services/<uuid:service_id>/locations/<uuid:location_id>/remove/",
        views.location_remove,
        name="location_remove",
    ),
    path(
        "directory/services/<uuid:service_id>/contacts/new/",
        views.contact_add,
        name="contact_add",
    ),
    path(
        "directory/services/<uuid:service_id>/contacts/<uuid:contact_id>/remove/",
        views.contact_remove,
        name="contact_remove",
    ),
]
