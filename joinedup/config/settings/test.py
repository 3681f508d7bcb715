"""The test suite: the same stack, with fast hashing and e-mail kept in memory."""

from .base import *  # noqa: F403
from .base import INSTALLED_APPS

SECRET_KEY = "test-only-secret-key-not-for-any-real-use-0123456789abcdefghijklmnop"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
JOINEDUP_DEMO_MODE = True
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
INSTALLED_APPS = [*INSTALLED_APPS]
# Serve static files from the finders (node_modules, build/) without needing collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Linkage runs happen in the request that starts them, so tests see the finished run.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
JOINEDUP_LINKAGE_THREADS = 1
