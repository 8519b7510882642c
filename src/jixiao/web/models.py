"""Database records of the site. Scores are never computed here: ``bridge`` rebuilds the core
objects from these records and asks ``jixiao.core`` to score them; the cached totals below
exist only for listing and dashboards."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class Unit(models.Model):
    """An agency (医保局/医保中心) or a finance bureau (财政局) in the 省 → 市 → 县/区 tree.

    ``path`` is the materialised path of primary keys (``/1/5/23/``) so a sub-tree is one
    indexed prefix query. A finance bureau reviews the sub-tree of ``scope`` (the agency of
    its level)."""

    LEVELS = [("省", "省"), ("市", "市"), ("县", "县"), ("区", "区")]
    KINDS = [("agency", "医疗保障部门"), ("finance", "财政部门")]

    name = models.CharField("单位名称", max_length=200)
    level = models.CharField("层级", max_length=2, choices=LEVELS)
    kind = models.CharField("类型", max_length=10, choices=KINDS, default="agency")
    region = models.CharField("地区", max_length=200, blank=True)
    parent = models.ForeignKey("self", verbose_name="上级单位", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    scope = models.ForeignKey("self", verbose_name="复核范围", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="finance_bureaus")
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    history = HistoricalRecords()  # the admin pages (admin_views) change units

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        path = f"{self.parent.path if self.parent else '/'}{self.pk}/"
        if path != self.path:
            self.path = path
            super().save(update_fields=["path"])

    @property
    def review_root(self) -> "Unit":
        """The unit whose sub-tree this unit oversees (a finance bureau's ``scope``)."""
        return self.scope or self

    def subtree(self):
        return Unit.objects.filter(path__startswith=self.review_root.path)

    def contains(self, other: "Unit") -> bool:
        return other.path.startswith(self.review_root.path)


class Account(models.Model):
    """A user's unit and role."""

    PREPARER, REVIEWER, FINANCE, ADMIN = "preparer", "reviewer", "finance", "admin"
    ROLES = [(PREPARER, "填报人"), (REVIEWER, "审核人"), (FINANCE, "财政复核"), (ADMIN, "管理员")]

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account")
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="accounts")
    role = models.CharField("角色", max_length=10, choices=ROLES)
    history = HistoricalRecords()  # the admin pages (admin_views) change units and roles

    class Meta:
        verbose_name = "账号"
        verbose_name_plural = "账号"

    def __str__(self) -> str:
        return f"{self.user.username}（{self.unit}，{self.get_role_display()}）"


class FrameworkVersion(models.Model):
    """One version of an indicator framework, kept as the YAML it was loaded from.

    Versions are immutable once evaluations use them: editing creates a new version."""

    key = models.CharField("标识", max_length=100)
    version = models.CharField("版本", max_length=50)
    name = models.CharField("名称", max_length=300)
    kind = models.CharField("类型", max_length=10)
    fund = models.CharField("资金", max_length=200, blank=True)
    yaml_text = models.TextField("指标体系（YAML）")
    rules_hash = models.CharField("规则指纹", max_length=64)
    builtin = models.BooleanField("内置", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        verbose_name = "指标体系版本"
        verbose_name_plural = "指标体系版本"
        unique_together = [("key", "version")]
        ordering = ["key", "-created_at"]

    def __str__(self) -> str:
        return f"{self.name}（{self.version}）"


class Evaluation(models.Model):
    """One unit's self-evaluation for one year against one framework version."""

    DRAFT, SUBMITTED, RETURNED, APPROVED, PUBLISHED = "draft", "submitted", "returned", "approved", "published"
    STATES = [(DRAFT, "草稿"), (SUBMITTED, "已提交"), (RETURNED, "退回"), (APPROVED, "审核通过"), (PUBLISHED, "已公开")]
    EDITABLE = (DRAFT, RETURNED)

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="evaluations")
    year = models.PositiveIntegerField("年度")
    framework = models.ForeignKey(FrameworkVersion, verbose_name="指标体系", on_delete=models.PROTECT,
                                  related_name="evaluations")
    title = models.CharField("标题", max_length=300, blank=True)
    state = models.CharField("状态", max_length=10, choices=STATES, default=DRAFT)
    extra = models.JSONField("其他内容", default=dict, blank=True)  # team, finance, questionnaires, narrative…
    review_comment = models.TextField("审核意见", blank=True)
    total = models.DecimalField("得分", max_digits=9, decimal_places=4, null=True, blank=True)
    grade = models.CharField("等级", max_length=20, blank=True)
    declared_total = models.DecimalField("申报总分", max_digits=9, decimal_places=4, null=True, blank=True)
    findings_count = models.PositiveIntegerField("核查发现", default=0)
    summary = models.JSONField("评分摘要", default=dict, blank=True)  # cache: points lost per level 1, finding kinds
    lock_version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at", "lock_version"])

    class Meta:
        verbose_name = "绩效自评"
        verbose_name_plural = "绩效自评"
        unique_together = [("unit", "year", "framework")]
        ordering = ["-year", "unit__path"]
        indexes = [models.Index(fields=["state", "year"])]

    def __str__(self) -> str:
        return self.title or f"{self.unit} {self.year}年 {self.framework.name}"

    @property
    def editable(self) -> bool:
        return self.state in self.EDITABLE


class IndicatorValue(models.Model):
    """What was recorded for one indicator or sub-row: the core ``IndicatorInput`` as JSON
    (numbers kept as exact decimal strings), the reviewer's comment for this row, and the
    score and explanation the core last gave (a cache)."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="values")
    code = models.CharField("指标编码", max_length=50)
    data = models.JSONField("填报内容", default=dict, blank=True)
    reviewer_comment = models.TextField("审核意见", blank=True)
    score = models.DecimalField("得分", max_digits=9, decimal_places=4, null=True, blank=True)
    explanation = models.TextField("计分说明", blank=True)
    version = models.PositiveIntegerField(default=0)
    history = HistoricalRecords(excluded_fields=["score", "explanation"])

    class Meta:
        verbose_name = "指标填报"
        verbose_name_plural = "指标填报"
        unique_together = [("evaluation", "code")]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.evaluation_id}:{self.code}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    return f"attachments/{instance.evaluation_id}/{filename}"


class Attachment(models.Model):
    """A working paper (工作底稿) or evidence file attached to an evaluation row."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="attachments")
    code = models.CharField("指标编码", max_length=50, blank=True)
    file = models.FileField("文件", upload_to=attachment_path)
    name = models.CharField("文件名", max_length=255)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    uploaded_at = models.DateTimeField(auto_now_add=True)


class ReportJob(models.Model):
    """A background job producing document packages (one evaluation, or a whole sub-tree)."""

    QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
    STATUSES = [(QUEUED, "排队中"), (RUNNING, "生成中"), (DONE, "已完成"), (FAILED, "失败")]

    evaluations = models.ManyToManyField(Evaluation, related_name="report_jobs")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    pdf = models.BooleanField(default=True)
    status = models.CharField(max_length=10, choices=STATUSES, default=QUEUED)
    progress = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    result = models.CharField(max_length=500, blank=True)  # path of the zip under MEDIA_ROOT
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)


# --- the performance cycle (issue 9): targets, monitoring, problems, allocation -------------
# The core (``jixiao.core.cycle``) computes lights, texts and amounts; these records hold what
# was entered. Views in ``cycle_views``.


class ThresholdSetting(models.Model):
    """Traffic-light thresholds for monitoring: for a unit and year (applies to the unit and
    every unit below it, the nearest setting winning), or for a framework version (``unit``
    empty). A target table's own thresholds win over both; see ``cycle_views.thresholds_for``."""

    framework = models.OneToOneField(FrameworkVersion, null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="thresholds")
    unit = models.ForeignKey(Unit, verbose_name="单位", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="threshold_settings")
    year = models.PositiveIntegerField("年度", null=True, blank=True)
    yellow = models.DecimalField("黄灯阈值（落后百分点）", max_digits=6, decimal_places=2)
    red = models.DecimalField("红灯阈值（落后百分点）", max_digits=6, decimal_places=2)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    updated_at = models.DateTimeField(auto_now=True, null=True)

    class Meta:
        verbose_name = "监控阈值"
        verbose_name_plural = "监控阈值"
        ordering = ["-year", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="threshold_unit_year"),
            models.CheckConstraint(condition=models.Q(red__gte=models.F("yellow")), name="threshold_red_gte_yellow"),
            models.CheckConstraint(condition=models.Q(yellow__gte=0), name="threshold_yellow_nonnegative"),
        ]


class TargetTable(models.Model):
    """绩效目标表 of a unit, year and fund; draft → submitted → approved (or returned), like
    ``Evaluation``. Once approved the year-end evaluation is started from it (``evaluation``)."""

    DRAFT, SUBMITTED, RETURNED, APPROVED = "draft", "submitted", "returned", "approved"
    STATES = [(DRAFT, "草稿"), (SUBMITTED, "已提交"), (RETURNED, "退回"), (APPROVED, "审核通过")]
    EDITABLE = (DRAFT, RETURNED)

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="target_tables")
    year = models.PositiveIntegerField("年度")
    fund = models.CharField("资金（项目）", max_length=200, blank=True)
    framework = models.ForeignKey(FrameworkVersion, verbose_name="指标体系", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="target_tables")
    overall_goal = models.TextField("总体目标", blank=True)
    state = models.CharField("状态", max_length=10, choices=STATES, default=DRAFT)
    review_comment = models.TextField("审核意见", blank=True)
    yellow = models.DecimalField("黄灯阈值", max_digits=6, decimal_places=2, null=True, blank=True)
    red = models.DecimalField("红灯阈值", max_digits=6, decimal_places=2, null=True, blank=True)
    evaluation = models.ForeignKey(Evaluation, verbose_name="年终自评", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="target_tables")
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "绩效目标表"
        verbose_name_plural = "绩效目标表"
        unique_together = [("unit", "year", "fund")]
        ordering = ["-year", "unit__path"]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}年 {self.fund or '绩效目标'}"

    @property
    def editable(self) -> bool:
        return self.state in self.EDITABLE


class TargetRow(models.Model):
    """One indicator target of a target table (a framework code, or a free row)."""

    table = models.ForeignKey(TargetTable, on_delete=models.CASCADE, related_name="rows")
    code = models.CharField("指标编码", max_length=50)
    level1 = models.CharField("一级指标", max_length=100, blank=True)
    level2 = models.CharField("二级指标", max_length=100, blank=True)
    name = models.CharField("指标名称", max_length=300)
    target = models.CharField("目标值", max_length=300, blank=True)
    free = models.BooleanField("自设指标", default=False)
    order = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "指标目标"
        verbose_name_plural = "指标目标"
        unique_together = [("table", "code")]
        ordering = ["order", "id"]


class MonitoringReport(models.Model):
    """A monitoring report of a target table for one period (2024-Q2 or 2024-07). ``warnings``
    caches the number of yellow and red rows for the reviewer's page. Like an evaluation it is
    a draft (or returned) while the preparer edits it, then submitted (read-only), then
    returned or approved by a reviewer of a unit above."""

    DRAFT, SUBMITTED, RETURNED, APPROVED = "draft", "submitted", "returned", "approved"
    STATES = [(DRAFT, "草稿"), (SUBMITTED, "已提交"), (RETURNED, "退回"), (APPROVED, "审核通过")]
    EDITABLE = (DRAFT, RETURNED)

    table = models.ForeignKey(TargetTable, verbose_name="目标表", on_delete=models.CASCADE, related_name="reports")
    period = models.CharField("监控期间", max_length=10)
    budget = models.DecimalField("全年预算（元）", max_digits=16, decimal_places=2, null=True, blank=True)
    spent = models.DecimalField("累计支出（元）", max_digits=16, decimal_places=2, null=True, blank=True)
    spending_reason = models.TextField("支出偏差原因", blank=True)
    spending_measures = models.TextField("支出纠偏措施", blank=True)
    spending_light = models.CharField("支出监控结果", max_length=10, blank=True)
    warnings = models.PositiveIntegerField("预警数", default=0)
    state = models.CharField("状态", max_length=10, choices=STATES, default=DRAFT)
    review_comment = models.TextField("审核意见", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "绩效监控"
        verbose_name_plural = "绩效监控"
        unique_together = [("table", "period")]
        ordering = ["table", "-period"]

    @property
    def unit(self) -> Unit:
        return self.table.unit

    @property
    def editable(self) -> bool:
        return self.state in self.EDITABLE


class MonitoringRow(models.Model):
    """Progress of one indicator in a monitoring report, with its light (cached)."""

    report = models.ForeignKey(MonitoringReport, on_delete=models.CASCADE, related_name="rows")
    code = models.CharField("指标编码", max_length=50)
    actual = models.CharField("累计完成", max_length=100, blank=True)
    completion = models.DecimalField("完成进度（%）", max_digits=9, decimal_places=4, null=True, blank=True)
    expected = models.DecimalField("应完成进度（%）", max_digits=9, decimal_places=4, null=True, blank=True)
    light = models.CharField("监控结果", max_length=10, blank=True)
    reason = models.TextField("偏差原因", blank=True)
    measures = models.TextField("纠偏措施", blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "监控指标"
        verbose_name_plural = "监控指标"
        unique_together = [("report", "code")]
        ordering = ["id"]


class Problem(models.Model):
    """A problem found in monitoring, self-evaluation or audit, tracked until fixed."""

    SOURCES = [("monitoring", "运行监控"), ("evaluation", "绩效自评"), ("audit", "审计")]
    STATUSES = [("open", "未整改"), ("in_progress", "整改中"), ("done", "已整改")]

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="problems")
    year = models.PositiveIntegerField("发现年度")
    source = models.CharField("来源", max_length=12, choices=SOURCES)
    title = models.CharField("问题", max_length=300)
    description = models.TextField("问题说明", blank=True)
    owner = models.CharField("责任人", max_length=100, blank=True)
    due = models.DateField("整改期限", null=True, blank=True)
    measures = models.TextField("整改措施", blank=True)
    status = models.CharField("状态", max_length=12, choices=STATUSES, default="open")
    result = models.TextField("整改结果", blank=True)
    # Where an automatically created problem came from, so the same light or finding updates
    # its problem instead of adding another: "monitoring:<table>:<code>" for a red light,
    # "finding:<evaluation>:<code>:<kind>" for an audit finding; empty for a problem typed in.
    origin = models.CharField("来源标识", max_length=200, blank=True, default="")
    report = models.ForeignKey(MonitoringReport, verbose_name="监控报告", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="problems")
    evaluation = models.ForeignKey(Evaluation, verbose_name="绩效自评", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="problems")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "整改问题"
        verbose_name_plural = "整改问题"
        ordering = ["-year", "unit__path", "id"]
        constraints = [models.UniqueConstraint(fields=["unit", "origin"], condition=~models.Q(origin=""),
                                               name="problem_unique_origin")]

    def __str__(self) -> str:
        return self.title


class Allocation(models.Model):
    """A factor allocation of ``amount`` (元) by ``unit`` among its child units. ``factors`` is
    the core factor list (key, name, weight, unit, kind); ``data`` maps a child unit's pk to its
    values per data factor; the score factor comes from each child's latest evaluation."""

    unit = models.ForeignKey(Unit, verbose_name="分配单位", on_delete=models.PROTECT, related_name="allocations")
    year = models.PositiveIntegerField("分配年度")
    fund = models.CharField("资金", max_length=200)
    amount = models.DecimalField("待分配金额（元）", max_digits=16, decimal_places=2)
    factors = models.JSONField("分配因素", default=list)
    data = models.JSONField("因素数据", default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "因素法分配"
        verbose_name_plural = "因素法分配"
        ordering = ["-year", "unit__path"]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}年 {self.fund}"


class LoginFailure(models.Model):
    """A failed login, kept to throttle password guessing per username and per address."""

    username = models.CharField(max_length=150, db_index=True)
    address = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)


class Assignment(models.Model):
    """A framework version assigned to a unit (and, with ``include_subtree``, every unit below
    it) for a year and fund; preparers start their evaluations from it."""

    framework = models.ForeignKey(FrameworkVersion, verbose_name="指标体系", on_delete=models.PROTECT,
                                  related_name="assignments")
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="assignments")
    include_subtree = models.BooleanField("含下级单位", default=True)
    year = models.PositiveIntegerField("年度")
    fund = models.CharField("资金", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "指标体系分配"
        verbose_name_plural = "指标体系分配"
        unique_together = [("framework", "unit", "year")]

    def covers(self, unit: Unit) -> bool:
        return unit.pk == self.unit_id or (self.include_subtree and unit.path.startswith(self.unit.path))


# Accounts are signed-in users: their activation and password changes made on the admin pages
# are in the change trail too (never the password hash itself).
from django.contrib.auth.models import User  # noqa: E402
from simple_history import register  # noqa: E402

register(User, app="jixiao.web", excluded_fields=["password", "last_login"])

from .project_models import *  # noqa: E402,F401,F403  (project-form models live in their own module)
