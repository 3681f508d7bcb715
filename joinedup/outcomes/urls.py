from django.urls import path

from . import views

app_name = "outcomes"

urlpatterns = [
    path("cases/<uuid:case_id>/outcomes/new/", views.choose_kind, name="choose_kind"),
    path("cases/<uuid:case_id>/outcomes/new/<str:kind>/", views.record, name="record"),
    path("outcomes/<uuid:outcome_id>/verify/", views.verify, name="verify"),
    path("outcomes/sustainment-checks/", views.sustainment_checks, name="sustainment_checks"),
]
