from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("joinedup.core.urls")),
    path("", include("joinedup.accounts.urls")),
    path("", include("joinedup.people.urls")),
    path("", include("joinedup.sharing.urls")),
    path("", include("joinedup.audit.urls")),
    path("", include("joinedup.directory.urls")),
    path("", include("joinedup.assessments.urls")),
    path("", include("joinedup.referrals.urls")),
    path("", include("joinedup.triage.urls")),
    path("", include("joinedup.outcomes.urls")),
    path("", include("joinedup.cases.urls")),
    path("matching/", include("joinedup.matching.urls")),
    path("performance/", include("joinedup.performance.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "joinedup.core.views.bad_request"
handler403 = "joinedup.core.views.permission_denied"
handler404 = "joinedup.core.views.page_not_found"
handler500 = "joinedup.core.views.server_error"
