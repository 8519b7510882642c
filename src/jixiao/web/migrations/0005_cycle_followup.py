"""Performance-cycle follow-up (placeholder kept so later migrations have a fixed parent)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("jixiao", "0004_assignment")]
    operations: list = []
