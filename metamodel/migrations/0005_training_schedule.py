"""The training's periodic tasks, created once in the database, where beat's DatabaseScheduler reads them
and staff may edit them in the admin (Periodic tasks): settings no longer rewrite them at each start."""

from django.db import migrations
from django.utils import timezone

NIGHTLY = "nightly-meta-training"
SWEEP = "training-run-sweep"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    # A deployment whose beat already wrote these from the old CELERY_BEAT_SCHEDULE keeps its rows as they are.
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="3", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(
        name=NIGHTLY,
        defaults={
            "task": "metamodel.tasks.meta_train_nightly",
            "crontab": nightly,
            "description": "Queue a meta-training run every night at 03:00 UTC.",
        },
    )
    every_ten_minutes, _ = IntervalSchedule.objects.get_or_create(every=10, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=SWEEP,
        defaults={
            "task": "metamodel.tasks.sweep_training_runs",
            "interval": every_ten_minutes,
            "description": "Fail training runs whose worker was lost or that no worker picked up.",
        },
    )
    schedule_changed(apps)


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[NIGHTLY, SWEEP]).delete()
    schedule_changed(apps)


def schedule_changed(apps):
    """Tell a running beat to reload its schedule (what the models' own save() and delete() do)."""
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


class Migration(migrations.Migration):
    dependencies = [
        ("metamodel", "0004_trainingrun_outcome_task_id_claims"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
