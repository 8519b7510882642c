"""Performance-cycle follow-up (issue 9): monitoring reports are submitted and returned like
evaluations; problems remember the red light or audit finding they came from (no duplicates);
thresholds are set per unit and year."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('jixiao', '0004_assignment'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='thresholdsetting',
            options={'ordering': ['-year', 'unit__path'], 'verbose_name': '监控阈值', 'verbose_name_plural': '监控阈值'},
        ),
        migrations.AddField(
            model_name='historicalmonitoringreport',
            name='review_comment',
            field=models.TextField(blank=True, verbose_name='审核意见'),
        ),
        migrations.AddField(
            model_name='historicalmonitoringreport',
            name='state',
            field=models.CharField(choices=[('draft', '草稿'), ('submitted', '已提交'), ('returned', '退回'), ('approved', '审核通过')], default='draft', max_length=10, verbose_name='状态'),
        ),
        migrations.AddField(
            model_name='historicalproblem',
            name='evaluation',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='jixiao.evaluation', verbose_name='绩效自评'),
        ),
        migrations.AddField(
            model_name='historicalproblem',
            name='origin',
            field=models.CharField(blank=True, default='', max_length=200, verbose_name='来源标识'),
        ),
        migrations.AddField(
            model_name='historicalproblem',
            name='report',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='jixiao.monitoringreport', verbose_name='监控报告'),
        ),
        migrations.AddField(
            model_name='monitoringreport',
            name='review_comment',
            field=models.TextField(blank=True, verbose_name='审核意见'),
        ),
        migrations.AddField(
            model_name='monitoringreport',
            name='state',
            field=models.CharField(choices=[('draft', '草稿'), ('submitted', '已提交'), ('returned', '退回'), ('approved', '审核通过')], default='draft', max_length=10, verbose_name='状态'),
        ),
        migrations.AddField(
            model_name='problem',
            name='evaluation',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='problems', to='jixiao.evaluation', verbose_name='绩效自评'),
        ),
        migrations.AddField(
            model_name='problem',
            name='origin',
            field=models.CharField(blank=True, default='', max_length=200, verbose_name='来源标识'),
        ),
        migrations.AddField(
            model_name='problem',
            name='report',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='problems', to='jixiao.monitoringreport', verbose_name='监控报告'),
        ),
        migrations.AddField(
            model_name='thresholdsetting',
            name='unit',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='threshold_settings', to='jixiao.unit', verbose_name='单位'),
        ),
        migrations.AddField(
            model_name='thresholdsetting',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, null=True),
        ),
        migrations.AddField(
            model_name='thresholdsetting',
            name='updated_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='thresholdsetting',
            name='year',
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name='年度'),
        ),
        migrations.AlterField(
            model_name='thresholdsetting',
            name='framework',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='thresholds', to='jixiao.frameworkversion'),
        ),
        migrations.AddConstraint(
            model_name='problem',
            constraint=models.UniqueConstraint(condition=models.Q(('origin', ''), _negated=True), fields=('unit', 'origin'), name='problem_unique_origin'),
        ),
        migrations.AddConstraint(
            model_name='thresholdsetting',
            constraint=models.UniqueConstraint(fields=('unit', 'year'), name='threshold_unit_year'),
        ),
        migrations.AddConstraint(
            model_name='thresholdsetting',
            constraint=models.CheckConstraint(condition=models.Q(('red__gte', models.F('yellow'))), name='threshold_red_gte_yellow'),
        ),
        migrations.AddConstraint(
            model_name='thresholdsetting',
            constraint=models.CheckConstraint(condition=models.Q(('yellow__gte', 0)), name='threshold_yellow_nonnegative'),
        ),
    ]
