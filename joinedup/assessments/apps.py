from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "joinedup.assessments"
    label = "assessments"
    verbose_name = "Assessments"

    def ready(self) -> None:
        from joinedup.people.timeline import register_timeline_provider

        from .timeline_entries import assessment_entries

        register_timeline_provider("assessments", assessment_entries)
