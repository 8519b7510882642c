"""Models of the 项目支出绩效自评表 pages (imported by ``jixiao.web.models``).

A ``ProjectForm`` record holds one filled form as its core document (``document``: the data of
``jixiao.core.project_form.ProjectForm``, numbers as exact decimal strings — what the form's
YAML file holds) plus indexed fields for listings and the department roll-up (unit, year,
project, total, grade, money in 元, 执行率, error findings). The cached fields are written
only from a core review (``projects.views.store``); scores are never computed here.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from simple_history.models import HistoricalRecords

__all__ = ["ProjectForm"]


class ProjectForm(models.Model):
    """One unit's 项目支出绩效自评表 for one project and year; draft → submitted → approved
    (or returned), like evaluations."""

    DRAFT, SUBMITTED, RETURNED, APPROVED = "draft", "submitted", "returned", "approved"
    STATES = [(DRAFT, "草稿"), (SUBMITTED, "已提交"), (RETURNED, "退回"), (APPROVED, "审核通过")]
    EDITABLE = (DRAFT, RETURNED)
    VARIANTS = [("national", "全国通用格式"), ("yunnan", "云南省公开14表格式"), ("hubei", "湖北省格式")]

    unit = models.ForeignKey("jixiao.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="project_forms")
    year = models.PositiveIntegerField("年度")
    project = models.CharField("项目名称", max_length=300)
    variant = models.CharField("格式", max_length=10, choices=VARIANTS, default="national")
    document = models.JSONField("自评表内容", encoder=DjangoJSONEncoder, default=dict)
    state = models.CharField("状态", max_length=10, choices=STATES, default=DRAFT)
    review_comment = models.TextField("审核意见", blank=True)
    total = models.DecimalField("总分", max_digits=9, decimal_places=4, null=True, blank=True)
    weight_total = models.DecimalField("满分", max_digits=9, decimal_places=4, null=True, blank=True)
    grade = models.CharField("等级", max_length=20, blank=True)
    budget = models.DecimalField("全年预算数（元）", max_digits=18, decimal_places=4, null=True, blank=True)
    spent = models.DecimalField("全年执行数（元）", max_digits=18, decimal_places=4, null=True, blank=True)
    execution_rate = models.DecimalField("执行率（%）", max_digits=9, decimal_places=4, null=True, blank=True)
    findings_count = models.PositiveIntegerField("审核发现（错误）", default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    lock_version = models.PositiveIntegerField(default=0)  # bumped by every save: stale pages are refused
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at", "lock_version"])

    class Meta:
        verbose_name = "项目支出绩效自评表"
        verbose_name_plural = "项目支出绩效自评表"
        unique_together = [("unit", "year", "project")]
        ordering = ["-year", "unit__path", "project"]
        indexes = [models.Index(fields=["year", "state"], name="jixiao_projectform_year_state")]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}年 {self.project}"

    @property
    def editable(self) -> bool:
        return self.state in self.EDITABLE
