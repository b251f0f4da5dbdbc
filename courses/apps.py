from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "Courses"

    def ready(self) -> None:
        from courses import signals  # noqa: F401  (connects the receivers that mark a changed graph)
        from courses.teachers import ensure_teachers_group

        # After every app's permissions exist, i.e. after the last app's post_migrate has run too.
        post_migrate.connect(ensure_teachers_group, dispatch_uid="courses.ensure_teachers_group")
