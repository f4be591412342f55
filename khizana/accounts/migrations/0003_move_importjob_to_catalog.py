# ImportJob moved to the catalog app (khizana.catalog.models.ImportJob): its table is renamed here and the
# catalog's migration 0004_importjob takes the model over without touching the database, so no row is lost.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_membership_verification'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(name='importjob', table='catalog_importjob'),
            ],
            state_operations=[
                migrations.DeleteModel(name='importjob'),
            ],
        ),
    ]
