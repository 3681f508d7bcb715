from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "joinedup.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from joinedup.people.timeline import register_timeline_provider

        from .timeline_entries import case_entries

        register_timeline_provider("cases", case_entries)
