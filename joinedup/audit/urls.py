from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("people/<uuid:person_id>/who-looked/", views.person_access_log, name="person_access_log"),
    path("people/<uuid:person_id>/subject-access/", views.subject_access, name="subject_access"),
]
