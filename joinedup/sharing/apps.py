from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "joinedup.sharing"
    label = "sharing"
    verbose_name = "Information sharing"

    def ready(self) -> None:
        from joinedup.people.timeline import register_timeline_provider

        from .timeline_entries import sharing_entries

        register_timeline_provider("sharing", sharing_entries)
