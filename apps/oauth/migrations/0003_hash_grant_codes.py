"""Authorization codes are stored as their keyed digest (``apps.oauth.models.code_digest``):
hash the codes written before, so a code issued just before the upgrade can still be
exchanged and a consumed one is still recognised when replayed. The digest cannot be
undone: going back leaves the rows hashed (their codes then no longer exchange, which a
code's 10 minutes make harmless)."""

from django.db import migrations


def hash_codes(apps, schema_editor):
    from apps.oauth.models import code_digest

    Grant = apps.get_model("oauth", "Grant")
    last = 0
    while True:
        batch = list(Grant.objects.filter(pk__gt=last).only("pk", "code").order_by("pk")[:2000])
        if not batch:
            return
        for grant in batch:
            grant.code = code_digest(grant.code)
        Grant.objects.bulk_update(batch, ["code"])
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [("oauth", "0002_bind_to_installations")]

    operations = [migrations.RunPython(hash_codes, migrations.RunPython.noop)]
