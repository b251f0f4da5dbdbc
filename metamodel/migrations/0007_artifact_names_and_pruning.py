"""Artifacts are named relative to MODEL_ARTIFACT_DIR, so the folder can move with its database; old versions'
artifacts can be pruned (pruned_at), daily by beat."""

from pathlib import Path

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

PRUNING = "model-artifact-pruning"


def name_artifacts_in_their_folder(apps, schema_editor):
    """A version whose artifact lies in MODEL_ARTIFACT_DIR keeps its file name only; others keep their path.
    A relative path (stored when MODEL_ARTIFACT_DIR was relative) is read from the working directory, as the
    file was opened before."""
    ModelVersion = apps.get_model("metamodel", "ModelVersion")
    folder = Path(settings.MODEL_ARTIFACT_DIR).resolve()
    for version in ModelVersion.objects.all():
        path = Path(version.artifact).resolve()
        if path.parent == folder:
            ModelVersion.objects.filter(pk=version.pk).update(artifact=path.name)


def give_artifacts_their_whole_path(apps, schema_editor):
    ModelVersion = apps.get_model("metamodel", "ModelVersion")
    folder = Path(settings.MODEL_ARTIFACT_DIR)
    for version in ModelVersion.objects.all():
        ModelVersion.objects.filter(pk=version.pk).update(artifact=str(folder / version.artifact))


def schedule_pruning(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    daily, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="4", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(
        name=PRUNING,
        defaults={
            "task": "metamodel.tasks.prune_model_artifacts",
            "crontab": daily,
            "description": "Delete the artifacts of model versions older than the MODEL_ARTIFACTS_KEPT latest.",
        },
    )
    schedule_changed(apps)


def unschedule_pruning(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=PRUNING).delete()
    schedule_changed(apps)


def schedule_changed(apps):
    """Tell a running beat to reload its schedule (what the models' own save() and delete() do)."""
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


class Migration(migrations.Migration):
    dependencies = [
        ("metamodel", "0006_recommendation_history_until"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="modelversion",
            name="pruned_at",
            field=models.DateTimeField(
                blank=True, help_text="When its artifact was deleted to free space (prune_artifacts).", null=True
            ),
        ),
        migrations.AlterField(
            model_name="modelversion",
            name="artifact",
            field=models.CharField(
                help_text="The artifact's file name in MODEL_ARTIFACT_DIR (a whole path for a file kept elsewhere).",
                max_length=500,
            ),
        ),
        migrations.RunPython(name_artifacts_in_their_folder, give_artifacts_their_whole_path),
        migrations.RunPython(schedule_pruning, unschedule_pruning),
    ]
