from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    default = True
    name = "joinedup.accounts"
    label = "accounts"
    verbose_name = "Partnership set-up"


class JoinedUpAdminConfig(admin_apps.AdminConfig):
    """Django admin, for system administrators with two-factor only."""

    default = False
    default_site = "joinedup.accounts.admin_site.SystemAdminSite"
