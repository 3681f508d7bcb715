from django.urls import path

from . import views

app_name = "triage"

urlpatterns = [
    path("referrals/<uuid:referral_id>/triage/", views.start, name="start"),
    path("referrals/<uuid:referral_id>/triage/person/", views.match, name="match"),
    path("referrals/<uuid:referral_id>/triage/assessment/", views.assess, name="assess"),
    path("referrals/<uuid:referral_id>/triage/outcome/", views.outcome, name="outcome"),
    path("triage/handoffs/", views.handoffs, name="handoffs"),
]
