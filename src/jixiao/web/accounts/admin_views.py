"""Pages for the site's admins (管理员): accounts (create, edit unit and role, deactivate, set a
password), units (the 省 → 市 → 县 tree with parents; finance bureaus with the sub-tree they
review) and the change trail of both. Only admins (``jixiao.manage_accounts``); forms answer in
Chinese; every change is a history record (django-simple-history) with its reason."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from jixiao.web.models import Account, Unit

app_name = "manage"
PASSWORD_MIN = 8


def _admin_only(view):
    def wrapped(request, *args, **kwargs):
        if not request.user.has_perm("jixiao.manage_accounts"):
            raise PermissionDenied("仅管理员可管理账号与单位")
        return view(request, *args, **kwargs)
    wrapped.__name__, wrapped.__doc__ = view.__name__, view.__doc__
    return login_required(wrapped)


def _unit_label(unit: Unit) -> str:
    return "　" * (unit.path.count("/") - 2) + unit.name


class UnitChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _unit_label(obj)


def _password(value: str) -> str:
    if len(value) < PASSWORD_MIN:
        raise forms.ValidationError(f"密码至少{PASSWORD_MIN}位")
    if value.isdigit():
        raise forms.ValidationError("密码不能全是数字")
    return value


class AccountForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150,
                               error_messages={"required": "请填写用户名"})
    unit = UnitChoice(label="单位", queryset=Unit.objects.order_by("path"),
                      error_messages={"required": "请选择单位", "invalid_choice": "请选择列表中的单位"})
    role = forms.ChoiceField(label="角色", choices=Account.ROLES,
                             error_messages={"required": "请选择角色", "invalid_choice": "请选择列表中的角色"})
    password = forms.CharField(label="初始密码", widget=forms.PasswordInput, required=True,
                               error_messages={"required": "请设置初始密码"})
    is_active = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args, account: Account | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account
        if account is not None:
            del self.fields["password"]  # an existing account's password is set on its own page

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if not username.replace("_", "").replace(".", "").replace("-", "").isalnum():
            raise forms.ValidationError("用户名只能包含字母、数字和 _ . -")
        taken = User.objects.filter(username__iexact=username)
        if self.account is not None:
            taken = taken.exclude(pk=self.account.user_id)
        if taken.exists():
            raise forms.ValidationError(f"用户名“{username}”已被使用")
        return username

    def clean_password(self):
        return _password(self.cleaned_data["password"])

    def clean(self):
        data = super().clean()
        unit, role = data.get("unit"), data.get("role")
        if unit is not None and role:
            if role == Account.FINANCE and unit.kind != "finance":
                self.add_error("unit", "财政复核账号须属于财政部门")
            elif role in (Account.PREPARER, Account.REVIEWER) and unit.kind != "agency":
                self.add_error("unit", "填报人和审核人账号须属于医疗保障部门")
        if self.account is not None and self.account.user_id == getattr(self, "editor_id", None) \
                and (not data.get("is_active") or role != Account.ADMIN):
            raise forms.ValidationError("不能停用自己的账号或取消自己的管理员角色")
        return data


class PasswordForm(forms.Form):
    password = forms.CharField(label="新密码", widget=forms.PasswordInput, error_messages={"required": "请填写新密码"})
    again = forms.CharField(label="再次输入", widget=forms.PasswordInput, error_messages={"required": "请再次输入新密码"})

    def clean_password(self):
        return _password(self.cleaned_data["password"])

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("again") and data["password"] != data["again"]:
            self.add_error("again", "两次输入的密码不一致")
        return data


class UnitForm(forms.ModelForm):
    parent = UnitChoice(label="上级单位", queryset=Unit.objects.filter(kind="agency").order_by("path"), required=False,
                        error_messages={"invalid_choice": "请选择列表中的单位"})
    scope = UnitChoice(label="复核范围（财政部门）", queryset=Unit.objects.filter(kind="agency").order_by("path"),
                       required=False, error_messages={"invalid_choice": "请选择列表中的单位"})

    class Meta:
        model = Unit
        fields = ["name", "level", "kind", "region", "parent", "scope"]
        error_messages = {"name": {"required": "请填写单位名称"}, "level": {"required": "请选择层级",
                                                                     "invalid_choice": "请选择列表中的层级"},
                          "kind": {"invalid_choice": "请选择列表中的类型"}}

    def clean(self):
        data = super().clean()
        parent, kind, scope = data.get("parent"), data.get("kind"), data.get("scope")
        if self.instance.pk and parent is not None and parent.path.startswith(self.instance.path):
            self.add_error("parent", "上级单位不能是本单位或其下级单位")
        if kind == "finance" and scope is None:
            self.add_error("scope", "财政部门须选择复核范围（所复核的医保部门）")
        if kind == "agency" and scope is not None:
            self.add_error("scope", "医疗保障部门不设复核范围")
        name = data.get("name")
        if name and Unit.objects.filter(name=name.strip()).exclude(pk=self.instance.pk).exists():
            self.add_error("name", f"已有名为“{name}”的单位")
        return data


def _form_page(request, form, title: str, back: str, submit: str = "保存"):
    return render(request, "jixiao/admin/form.html", {"form": form, "title": title, "back": back, "submit": submit})


@_admin_only
def accounts(request):
    """Every account with its unit, role and state."""
    items = Account.objects.select_related("user", "unit").order_by("unit__path", "user__username")
    return render(request, "jixiao/admin/accounts.html", {"accounts": items})


@_admin_only
def account_create(request):
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            user = User(username=data["username"], is_active=data["is_active"])
            user.set_password(data["password"])
            user._change_reason = "新建账号"
            user.save()
            account = Account(user=user, unit=data["unit"], role=data["role"])
            account._change_reason = "新建账号"
            account.save()
        messages.success(request, f"已新建账号{user.username}（{account.unit}，{account.get_role_display()}）")
        return redirect("manage:accounts")
    return _form_page(request, form, "新建账号", "manage:accounts")


@_admin_only
def account_edit(request, pk: int):
    account = get_object_or_404(Account.objects.select_related("user", "unit"), pk=pk)
    initial = {"username": account.user.username, "unit": account.unit, "role": account.role,
               "is_active": account.user.is_active}
    form = AccountForm(request.POST or None, initial=initial, account=account)
    form.editor_id = request.user.pk
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            user = account.user
            if (user.username, user.is_active) != (data["username"], data["is_active"]):
                user.username, user.is_active = data["username"], data["is_active"]
                was = initial["is_active"]
                user._change_reason = "停用账号" if was and not user.is_active else \
                    "启用账号" if user.is_active and not was else "修改账号"
                user.save()
            if (account.unit, account.role) != (data["unit"], data["role"]):
                account.unit, account.role = data["unit"], data["role"]
                account._change_reason = "修改单位或角色"
                account.save()
        messages.success(request, f"已保存账号{account.user.username}")
        return redirect("manage:accounts")
    return _form_page(request, form, f"修改账号 {account.user.username}", "manage:accounts")


@_admin_only
@require_POST
def account_active(request, pk: int):
    """Deactivate (or activate again) an account: a deactivated account cannot sign in."""
    account = get_object_or_404(Account.objects.select_related("user"), pk=pk)
    if account.user_id == request.user.pk:
        messages.error(request, "不能停用自己的账号")
        return redirect("manage:accounts")
    user = account.user
    user.is_active = request.POST.get("active") == "1"
    user._change_reason = "启用账号" if user.is_active else "停用账号"
    user.save()
    messages.success(request, f"已{user._change_reason}：{user.username}")
    return redirect("manage:accounts")


@_admin_only
def account_password(request, pk: int):
    account = get_object_or_404(Account.objects.select_related("user"), pk=pk)
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = account.user
        user.set_password(form.cleaned_data["password"])
        user._change_reason = "设置密码"
        user.save()
        messages.success(request, f"已为{user.username}设置新密码")
        return redirect("manage:accounts")
    return _form_page(request, form, f"设置密码：{account.user.username}", "manage:accounts", "设置密码")


@_admin_only
def units(request):
    """The unit tree: each unit under its parent, with its accounts' number."""
    from django.db.models import Count

    items = list(Unit.objects.select_related("scope").annotate(n=Count("accounts")).order_by("path"))
    for unit in items:
        unit.depth = unit.path.count("/") - 2
    return render(request, "jixiao/admin/units.html", {"units": items})


def _save_unit(request, form, reason: str) -> Unit:
    """Save a unit and, when it moved, the paths of every unit below it (one history record each)."""
    with transaction.atomic():
        old_path = form.instance.path
        unit = form.save(commit=False)
        unit._change_reason = reason
        unit.save()
        if old_path and unit.path != old_path:
            for below in Unit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk).order_by("path"):
                below.path = unit.path + below.path[len(old_path):]
                below._change_reason = f"上级单位{unit.name}调整"
                below.save(update_fields=["path"])
    return unit


@_admin_only
def unit_create(request):
    form = UnitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        unit = _save_unit(request, form, "新建单位")
        messages.success(request, f"已新建单位{unit.name}")
        return redirect("manage:units")
    return _form_page(request, form, "新建单位", "manage:units")


@_admin_only
def unit_edit(request, pk: int):
    unit = get_object_or_404(Unit, pk=pk)
    form = UnitForm(request.POST or None, instance=unit)
    if request.method == "POST" and form.is_valid():
        if form.has_changed():
            _save_unit(request, form, "修改单位")
        messages.success(request, f"已保存单位{unit.name}")
        return redirect("manage:units")
    return _form_page(request, form, f"修改单位 {unit.name}", "manage:units")


# what each record's fields are called in the trail
_KINDS = (("单位", Unit), ("账号", Account), ("登录账号", User))
_HIDDEN = {"path", "id", "user", "date_joined"}


def _value(record, field: str) -> str:
    value = getattr(record, field, "")
    if isinstance(value, bool):
        return "是" if value else "否"
    display = getattr(record, f"get_{field}_display", None)
    if display is not None:
        return str(display())
    if field in ("unit", "parent", "scope"):
        target = Unit.objects.filter(pk=getattr(record, f"{field}_id")).first()
        return target.name if target else ""
    return "" if value is None else str(value)


@_admin_only
@require_GET
def history(request):
    """The change trail of units and accounts: who, when, what, before → after (latest 300)."""
    entries = []
    for kind, model in _KINDS:
        for h in model.history.select_related("history_user").order_by("-history_date")[:300]:
            name = getattr(h, "name", None) or getattr(h, "username", None) or \
                (User.objects.filter(pk=h.user_id).values_list("username", flat=True).first() if kind == "账号" else "")
            base = {"when": h.history_date, "who": h.history_user, "reason": h.history_change_reason or "",
                    "kind": kind, "name": name}
            prev = h.prev_record
            changes = [] if prev is None else [c for c in h.diff_against(prev).changes if c.field not in _HIDDEN]
            if not changes:
                entries.append({**base, "what": "", "before": "", "after": ""})
            for c in changes:
                entries.append({**base, "what": str(model._meta.get_field(c.field).verbose_name),
                                "before": _value(prev, c.field), "after": _value(h, c.field)})
    entries.sort(key=lambda e: e["when"], reverse=True)
    return render(request, "jixiao/admin/history.html", {"history": entries[:300]})


urlpatterns = [
    path("accounts/", accounts, name="accounts"),
    path("accounts/new/", account_create, name="account_create"),
    path("accounts/<int:pk>/", account_edit, name="account_edit"),
    path("accounts/<int:pk>/active/", account_active, name="account_active"),
    path("accounts/<int:pk>/password/", account_password, name="account_password"),
    path("units/", units, name="units"),
    path("units/new/", unit_create, name="unit_create"),
    path("units/<int:pk>/", unit_edit, name="unit_edit"),
    path("trail/", history, name="history"),
]
