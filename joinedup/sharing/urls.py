from django.urls import path

from . import views

app_name = "sharing"

urlpatterns = [
    path("people/<uuid:person_id>/consent/new/", views.record_consent, name="record_consent"),
    path("consents/<uuid:consent_id>/withdraw/", views.withdraw_consent, name="withdraw_consent"),
    path("consents/<uuid:consent_id>/evidence/", views.consent_evidence, name="consent_evidence"),
    path("people/<uuid:person_id>/request-access/", views.request_access, name="request_access"),
    path("people/<uuid:person_id>/break-glass/", views.break_glass, name="break_glass"),
    path(
        "people/<uuid:person_id>/lawful-basis/new/",
        views.request_lawful_basis,
        name="request_lawful_basis",
    ),
    path("information-governance/", views.review_queue, name="review_queue"),
    path(
        "information-governance/break-glass/<uuid:glass_id>/",
        views.review_break_glass,
        name="review_break_glass",
    ),
    path(
        "information-governance/lawful-bases/<uuid:basis_id>/",
        views.decide_lawful_basis,
        name="decide_lawful_basis",
    ),
    path(
        "access-requests/<uuid:request_id>/",
        views.answer_access_request,
        name="answer_access_request",
    ),
    path("sharing-agreements/", views.agreement_list, name="agreement_list"),
    path("sharing-agreements/new/", views.agreement_create, name="agreement_create"),
    path("information-categories/", views.category_list, name="category_list"),
    path("information-categories/<slug:code>/", views.category_change, name="category_change"),
]
