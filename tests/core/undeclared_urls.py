"""The project's URLconf plus one view that declares no access rule (deny-by-default test)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from joinedup.config.urls import handler403
from joinedup.config.urls import urlpatterns as project_urlpatterns

__all__ = ["handler403"]


def undeclared(request: HttpRequest) -> HttpResponse:
    return HttpResponse("secret")


urlpatterns = [path("undeclared/", undeclared), *project_urlpatterns]
