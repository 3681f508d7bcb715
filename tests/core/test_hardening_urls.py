"""The project's URLs plus a view that fails, for the error-page test."""

from django.urls import path

from joinedup.config.urls import handler500
from joinedup.config.urls import urlpatterns as project_urlpatterns

from .test_hardening import _boom

__all__ = ["handler500"]

urlpatterns = [path("boom/", _boom), *project_urlpatterns]
