from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "joinedup.matching"
    label = "matching"
    verbose_name = "Data matching"
