from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    name = "joinedup.performance"
    label = "performance"
    verbose_name = "Outcomes Based Accountability"
