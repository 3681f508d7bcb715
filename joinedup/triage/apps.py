from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "joinedup.triage"
    label = "triage"
    verbose_name = "Triage"

    def ready(self) -> None:
        from joinedup.people.timeline import register_timeline_provider

        from .timeline_entries import triage_entries

        register_timeline_provider("triage", triage_entries)
