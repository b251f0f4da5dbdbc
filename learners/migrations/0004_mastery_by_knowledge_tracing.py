from django.db import migrations, models


def rebuild_progress(apps, schema_editor):
    """Recompute every stored progress row under the new mastery definition (the read model is derived
    from the attempt log, so this loses nothing)."""
    from learners.progress import rebuild_skill_progress

    SkillProgress = apps.get_model("learners", "SkillProgress")
    pairs = SkillProgress.objects.values_list("learner_id", "course_id").distinct().order_by()
    for learner_id, course_id in list(pairs):
        rebuild_skill_progress(learner_id, course_id)


class Migration(migrations.Migration):
    dependencies = [
        ("learners", "0003_alter_attempt_source"),
    ]

    operations = [
        migrations.AlterField(
            model_name="skillprogress",
            name="mastered",
            field=models.BooleanField(
                default=False, help_text="By the learner's answers (metamodel.policy.mastered_by_answers)."
            ),
        ),
        migrations.RunPython(rebuild_progress, migrations.RunPython.noop),
    ]
