from django.apps import AppConfig


class AiConfig(AppConfig):
    name = "khizana.ai"
    label = "ai"
    verbose_name = "AI for cataloguers and readers"

    def ready(self) -> None:
        from .similar_services import connect  # language facet hook, works_changed receiver, jobs

        connect()
        from . import subjects_tasks  # noqa: F401  (registers the subject-suggestion jobs with huey)
        from .subjects import connect as connect_subjects  # accepted headings in the MARC exports

        connect_subjects()
