"""项目支出绩效自评表 (issue 10): one record per unit, year and project holding the form as its
core document, with indexed totals for listings and the department roll-up, and its change trail."""

import django.core.serializers.json
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('jixiao', '0005_cycle_followup'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalProjectForm',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('year', models.PositiveIntegerField(verbose_name='年度')),
                ('project', models.CharField(max_length=300, verbose_name='项目名称')),
                ('variant', models.CharField(choices=[('national', '全国通用格式'), ('yunnan', '云南省公开14表格式'), ('hubei', '湖北省格式')], default='national', max_length=10, verbose_name='格式')),
                ('document', models.JSONField(default=dict, encoder=django.core.serializers.json.DjangoJSONEncoder, verbose_name='自评表内容')),
                ('state', models.CharField(choices=[('draft', '草稿'), ('submitted', '已提交'), ('returned', '退回'), ('approved', '审核通过')], default='draft', max_length=10, verbose_name='状态')),
                ('review_comment', models.TextField(blank=True, verbose_name='审核意见')),
                ('total', models.DecimalField(blank=True, decimal_places=4, max_digits=9, null=True, verbose_name='总分')),
                ('weight_total', models.DecimalField(blank=True, decimal_places=4, max_digits=9, null=True, verbose_name='满分')),
                ('grade', models.CharField(blank=True, max_length=20, verbose_name='等级')),
                ('budget', models.DecimalField(blank=True, decimal_places=4, max_digits=18, null=True, verbose_name='全年预算数（元）')),
                ('spent', models.DecimalField(blank=True, decimal_places=4, max_digits=18, null=True, verbose_name='全年执行数（元）')),
                ('execution_rate', models.DecimalField(blank=True, decimal_places=4, max_digits=9, null=True, verbose_name='执行率（%）')),
                ('findings_count', models.PositiveIntegerField(default=0, verbose_name='审核发现（错误）')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('created_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('unit', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='jixiao.unit', verbose_name='单位')),
            ],
            options={
                'verbose_name': 'historical 项目支出绩效自评表',
                'verbose_name_plural': 'historical 项目支出绩效自评表',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='ProjectForm',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveIntegerField(verbose_name='年度')),
                ('project', models.CharField(max_length=300, verbose_name='项目名称')),
                ('variant', models.CharField(choices=[('national', '全国通用格式'), ('yunnan', '云南省公开14表格式'), ('hubei', '湖北省格式')], default='national', max_length=10, verbose_name='格式')),
                ('document', models.JSONField(default=dict, encoder=django.core.serializers.json.DjangoJSONEncoder, verbose_name='自评表内容')),
                ('state', models.CharField(choices=[('draft', '草稿'), ('submitted', '已提交'), ('returned', '退回'), ('approved', '审核通过')], default='draft', max_length=10, verbose_name='状态')),
                ('review_comment', models.TextField(blank=True, verbose_name='审核意见')),
                ('total', models.DecimalField(blank=True, decimal_places=4, max_digits=9, null=True, verbose_name='总分')),
                ('weight_total', models.DecimalField(blank=True, decimal_places=4, max_digits=9, null=True, verbose_name='满分')),
                ('grade', models.CharField(blank=True, max_length=20, verbose_name='等级')),
                ('budget', models.DecimalField(blank=True, decimal_places=4, max_digits=18, null=True, verbose_name='全年预算数（元）')),
                ('spent', models.DecimalField(blank=True, decimal_places=4, max_digits=18, null=True, verbose_name='全年执行数（元）')),
                ('execution_rate', models.DecimalField(blank=True, decimal_places=4, max_digits=9, null=True, verbose_name='执行率（%）')),
                ('findings_count', models.PositiveIntegerField(default=0, verbose_name='审核发现（错误）')),
                ('lock_version', models.PositiveIntegerField(default=0)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='project_forms', to='jixiao.unit', verbose_name='单位')),
            ],
            options={
                'verbose_name': '项目支出绩效自评表',
                'verbose_name_plural': '项目支出绩效自评表',
                'ordering': ['-year', 'unit__path', 'project'],
                'indexes': [models.Index(fields=['year', 'state'], name='jixiao_projectform_year_state')],
                'unique_together': {('unit', 'year', 'project')},
            },
        ),
    ]
