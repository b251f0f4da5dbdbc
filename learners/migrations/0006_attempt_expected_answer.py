from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def mark_against_the_current_answers(apps, schema_editor):
    """Attempts made before answers were kept with them: the exercise's answer now is the best record."""
    Attempt = apps.get_model("learners", "Attempt")
    Exercise = apps.get_model("courses", "Exercise")
    answer = Exercise.objects.filter(pk=OuterRef("exercise_id")).values("answer")[:1]
    Attempt.objects.filter(exercise__imported=False).update(expected_answer=Subquery(answer))


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0003_override_reason_at_most_500_characters"),
        ("learners", "0005_alter_skillprogress_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="attempt",
            name="expected_answer",
            field=models.JSONField(
                blank=True, help_text="The exercise's answer when the attempt was marked.", null=True
            ),
        ),
        migrations.RunPython(mark_against_the_current_answers, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="skillprogress",
            name="mastered",
            field=models.BooleanField(
                default=False, help_text="Whether the engine judges that the learner knows the skill."
            ),
        ),
        migrations.AlterField(
            model_name="skillprogress",
            name="recent_accuracy",
            field=models.FloatField(
                blank=True, help_text="Share correct over the learner's latest answers on the skill.", null=True
            ),
        ),
    ]
