from django.urls import path

from . import views

app_name = "referrals"

urlpatterns = [
    path("referrals/", views.inbox, name="inbox"),
    path("referrals/sent/", views.sent, name="sent"),
    path("referrals/<uuid:referral_id>/", views.detail, name="detail"),
    path("referrals/<uuid:referral_id>/accept/", views.accept, name="accept"),
    path("referrals/<uuid:referral_id>/decline/", views.decline, name="decline"),
    path("referrals/<uuid:referral_id>/close/", views.close, name="close"),
    path("people/<uuid:person_id>/refer/", views.refer, name="refer"),
    path("self-referral/", views.self_referral_start, name="self_referral_start"),
    path(
        "self-referral/check-your-answers/", views.self_referral_check, name="self_referral_check"
    ),
    path("self-referral/sent/", views.self_referral_done, name="self_referral_done"),
    path("self-referral/<slug:step>/", views.self_referral_step, name="self_referral_step"),
]
