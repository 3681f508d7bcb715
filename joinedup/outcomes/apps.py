from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "joinedup.outcomes"
    label = "outcomes"
    verbose_name = "Outcomes"

    def ready(self) -> None:
        from joinedup.people.timeline import register_timeline_provider

        from .timeline_entries import outcome_entries

        register_timeline_provider("outcomes", outcome_entries)
