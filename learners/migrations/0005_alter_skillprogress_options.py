from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("learners", "0004_mastery_by_knowledge_tracing"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="skillprogress",
            options={"verbose_name_plural": "skill progress"},
        ),
    ]
