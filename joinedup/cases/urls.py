from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("cases/", views.caseload, name="caseload"),
    path("cases/team/", views.team, name="team"),
    path("cases/distance-travelled/", views.distance, name="distance"),
    path("cases/<uuid:case_id>/", views.detail, name="detail"),
    path("cases/<uuid:case_id>/status/", views.change_status, name="status"),
    path("cases/<uuid:case_id>/transfer/", views.transfer, name="transfer"),
    path("cases/<uuid:case_id>/goals/new/", views.add_goal, name="add_goal"),
    path("cases/<uuid:case_id>/actions/new/", views.add_action, name="add_action"),
    path("cases/<uuid:case_id>/refer/", views.cross_refer, name="refer"),
    path("cases/<uuid:case_id>/plan/", views.plan_copy, name="plan_copy"),
    path("cases/<uuid:case_id>/contacts/new/", views.add_contact, name="add_contact"),
    path("attachments/<uuid:attachment_id>/", views.attachment, name="attachment"),
    path("actions/<uuid:action_id>/", views.update_action, name="action"),
    path("people/<uuid:person_id>/cases/new/", views.open_case, name="open"),
    path("my-work/", views.my_work, name="my_work"),
]
