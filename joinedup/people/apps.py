from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "joinedup.people"
    label = "people"
    verbose_name = "People"

    def ready(self) -> None:
        from .timeline import register_timeline_provider
        from .timeline_entries import person_entries

        register_timeline_provider("people", person_entries)
