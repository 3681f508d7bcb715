from django.urls import path

from . import views

app_name = "assessments"

urlpatterns = [
    path("people/<uuid:person_id>/assessments/", views.history, name="history"),
    path("people/<uuid:person_id>/assessments/new/", views.new, name="new"),
    path("people/<uuid:person_id>/assessments/rating/", views.override, name="override"),
    path("assessments/<uuid:assessment_id>/", views.detail, name="detail"),
    path("assessments/scale/", views.scale, name="scale"),
]
