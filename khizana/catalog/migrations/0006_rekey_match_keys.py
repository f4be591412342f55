"""Recompute the blocking keys of every record: issue 14 gave each record several keys (title words in
any order with one left out, the author's surname, and transliteration keys for Arabic records), and
marks every record for re-clustering so the next `khizana cluster` finds the duplicates the old keys hid.
"""

from django.db import migrations


def rekey(apps, schema_editor):
    from khizana.catalog.matching import block_keys, match_record
    from khizana.catalog.records import BibFields

    names = set(BibFields.__dataclass_fields__)
    SourceRecord = apps.get_model("catalog", "SourceRecord")
    MatchKey = apps.get_model("catalog", "MatchKey")
    MatchKey.objects.all().delete()
    active = SourceRecord.objects.filter(kind="bibliographic", deleted=False)
    batch = []
    for rid, fields in active.values_list("id", "fields").iterator(chunk_size=5000):
        bib = BibFields(**{k: v for k, v in fields.items() if k in names})
        batch.extend(MatchKey(record_id=rid, key=key) for key in block_keys(match_record(str(rid), bib)))
        if len(batch) >= 5000:
            MatchKey.objects.bulk_create(batch)
            batch = []
    MatchKey.objects.bulk_create(batch)
    active.update(cluster_dirty=True)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0005_matchreview")]
    operations = [migrations.RunPython(rekey, migrations.RunPython.noop)]
