# ImportJob moved here from the accounts app. accounts' migration 0003_move_importjob_to_catalog renamed
# its table to catalog_importjob; this one only takes the model over in Django's state (same fields), then
# moves its content type, so the admin's history and any permissions given on import jobs follow it.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def content_type_to(app_label, other):
    def move(apps, schema_editor):
        ContentType = apps.get_model('contenttypes', 'ContentType')
        types = ContentType.objects.using(schema_editor.connection.alias)
        if not types.filter(app_label=app_label, model='importjob').exists():
            types.filter(app_label=other, model='importjob').update(app_label=app_label)

    return move


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_move_importjob_to_catalog'),
        ('catalog', '0003_record_datestamp_index'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('libraries', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='ImportJob',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('filename', models.CharField(help_text='As sent, for display only.', max_length=255, verbose_name='file name')),
                        ('stored_name', models.CharField(help_text='Name of the waiting copy (never the sent name).', max_length=64)),
                        ('size', models.BigIntegerField(default=0)),
                        ('sha256', models.CharField(max_length=64)),
                        ('format', models.CharField(blank=True, max_length=32)),
                        ('status', models.CharField(choices=[('queued', 'queued'), ('running', 'running'), ('finished', 'finished'), ('failed', 'failed')], default='queued', max_length=16)),
                        ('error', models.TextField(blank=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('library', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='libraries.library')),
                        ('run', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='catalog.importrun')),
                        ('uploaded_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'import job',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_type_to('catalog', 'accounts'), content_type_to('accounts', 'catalog')),
    ]
