from django.conf import settings
from django.db import migrations


def create_missing_learners(apps, schema_editor):
    """Accounts made before learners were created with them (learners.signals) get theirs now."""
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    Learner = apps.get_model("learners", "Learner")
    Learner.objects.bulk_create(Learner(user=user) for user in User.objects.filter(learner__isnull=True))


class Migration(migrations.Migration):
    dependencies = [
        ("learners", "0006_attempt_expected_answer"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(create_missing_learners, migrations.RunPython.noop)]
