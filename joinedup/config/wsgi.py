"""WSGI entry point (gunicorn joinedup.config.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "joinedup.config.settings.production")

application = get_wsgi_application()
