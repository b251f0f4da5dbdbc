"""Who teachers are: staff accounts in the Teachers group, whose permissions this module keeps current."""

from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractBaseUser, Group, Permission

if TYPE_CHECKING:
    from courses.models import Course

TEACHERS_GROUP = "Teachers"

# (app label, model, actions). What a teacher may do in the admin; the admin then scopes every row to the
# courses they teach (courses.admin.TeacherScopedAdmin).
TEACHER_PERMISSIONS = [
    ("courses", "course", ("add", "change", "view")),
    ("courses", "skill", ("add", "change", "delete", "view")),
    ("courses", "exercise", ("add", "change", "view")),
    ("courses", "override", ("add", "change", "view")),
    ("learners", "learner", ("view",)),
    ("learners", "enrollment", ("add", "change", "delete", "view")),
    ("learners", "attempt", ("view",)),
    ("learners", "skillprogress", ("view",)),
    ("metamodel", "recommendation", ("view",)),
    ("metamodel", "learnerstate", ("view",)),
    ("metamodel", "trainingrun", ("view",)),
    ("metamodel", "modelversion", ("view",)),
]


def ensure_teachers_group(**kwargs: object) -> Group:
    """Create the Teachers group or bring its permissions up to date (runs after every migrate)."""
    group, _ = Group.objects.get_or_create(name=TEACHERS_GROUP)
    codenames = [
        (app, f"{action}_{model}") for app, model, actions in TEACHER_PERMISSIONS for action in actions
    ]
    permissions = [
        Permission.objects.filter(content_type__app_label=app, codename=codename).first()
        for app, codename in codenames
    ]
    group.permissions.set([p for p in permissions if p is not None])
    return group


def teaches(user: AbstractBaseUser, course: "Course") -> bool:
    """Whether the user may act as the course's teacher: one of its teachers, or a superuser."""
    return user.is_superuser or course.teachers.filter(pk=user.pk).exists()


def taught_slugs(user: AbstractBaseUser) -> set[str] | None:
    """The slugs of the courses the user teaches; None for a superuser, who acts as every course's teacher."""
    return None if user.is_superuser else set(user.taught_courses.values_list("slug", flat=True))


def make_teacher(user: AbstractBaseUser) -> None:
    """Let the user into the admin as a teacher of the courses they are given."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.add(ensure_teachers_group())
