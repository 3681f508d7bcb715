from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/two-factor/", views.two_factor, name="two_factor"),
    path("sign-in/two-factor/set-up/", views.two_factor_setup, name="two_factor_setup"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("password-reset/", views.password_reset, name="password_reset"),
    path("password-reset/sent/", views.password_reset_done, name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("password-reset/done/", views.password_reset_complete, name="password_reset_complete"),
    path("invitation/<uidb64>/<token>/", views.accept_invitation, name="accept_invitation"),
    path("invitation/accepted/", views.invitation_accepted, name="invitation_accepted"),
    path("account/", views.account, name="account"),
    path("account/password/", views.change_password, name="change_password"),
    path("account/backup-codes/", views.new_backup_codes, name="new_backup_codes"),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/new/", views.organisation_create, name="organisation_create"),
    path(
        "organisations/<uuid:organisation_id>/",
        views.organisation_detail,
        name="organisation_detail",
    ),
    path(
        "organisations/<uuid:organisation_id>/edit/",
        views.organisation_edit,
        name="organisation_edit",
    ),
    path("organisations/<uuid:organisation_id>/teams/new/", views.team_create, name="team_create"),
    path("organisations/<uuid:organisation_id>/staff/", views.staff_list, name="staff_list"),
    path(
        "organisations/<uuid:organisation_id>/staff/invite/",
        views.staff_invite,
        name="staff_invite",
    ),
    path("staff/", views.my_staff, name="my_staff"),
    path("staff/<uuid:member_id>/", views.staff_detail, name="staff_detail"),
    path("staff/<uuid:member_id>/roles/", views.staff_roles, name="staff_roles"),
    path("staff/<uuid:member_id>/deactivate/", views.staff_deactivate, name="staff_deactivate"),
    path("staff/<uuid:member_id>/reactivate/", views.staff_reactivate, name="staff_reactivate"),
    path(
        "staff/<uuid:member_id>/reset-two-factor/",
        views.staff_reset_two_factor,
        name="staff_reset_two_factor",
    ),
    path(
        "staff/<uuid:member_id>/resend-invitation/",
        views.staff_resend_invitation,
        name="staff_resend_invitation",
    ),
]
