"""Three tables change homes (core, conversations, outreach): only the state leaves ops, the tables stay."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('ops', '0006_daily_metrics_names'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name='GatewayCallLog',
                ),
                migrations.DeleteModel(
                    name='HandoffEvent',
                ),
                migrations.DeleteModel(
                    name='OutboundNotification',
                ),
            ],
        ),
    ]
