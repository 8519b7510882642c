"""Units (the tree of agencies) and accounts (a user's unit and role), and failed sign-ins."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


__all__ = ["Unit", "Account", "LoginFailure"]


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
    history = HistoricalRecords()  # the admin pages (accounts.admin_views) change units

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
    history = HistoricalRecords()  # the admin pages (accounts.admin_views) change units and roles

    class Meta:
        verbose_name = "账号"
        verbose_name_plural = "账号"

    def __str__(self) -> str:
        return f"{self.user.username}（{self.unit}，{self.get_role_display()}）"


class LoginFailure(models.Model):
    """A failed login, kept to throttle password guessing per username and per address."""

    username = models.CharField(max_length=150, db_index=True)
    address = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
