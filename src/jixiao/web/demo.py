"""The demo site: a small demo province holding the seed reports, one account per role."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from jixiao.web.bridge import import_evaluation_file, store_framework
from jixiao.web.cycle.demo import setup_demo_cycle
from jixiao.web.models import Account, Evaluation, Unit
from jixiao.web.projects.demo import setup_demo_projects

DEMO_PASSWORD = "jixiao2024"

# (username, unit key, role)
ACCOUNTS = [
    ("admin", "province", Account.ADMIN),
    ("sheng_shenhe", "province", Account.REVIEWER),
    ("sheng_caizheng", "finance", Account.FINANCE),
    ("kunming_shenhe", "kunming", Account.REVIEWER),
    ("nanjing_tianbao", "nanjing", Account.PREPARER),
    ("xundian_tianbao", "xundian", Account.PREPARER),
    ("zhongwei_tianbao", "zhongwei", Account.PREPARER),
    ("suzhou_tianbao", "suzhou", Account.PREPARER),
]

EXAMPLES = {
    "nanjing": ["nanjing-2023-department.yaml"],
    "xundian": ["xundian-2023-department.yaml"],
    "zhongwei": ["seed004-2023-capability.yaml", "seed004-2023-medical-aid.yaml",
                 "seed004-2023-resident-insurance.yaml"],
    "suzhou": ["suzhou-2023-capability.yaml"],
}


def _units() -> dict[str, Unit]:
    province = Unit.objects.create(name="示范省医疗保障局", level="省", region="示范省")
    finance = Unit.objects.create(name="示范省财政厅", level="省", kind="finance", region="示范省", scope=province)
    kunming = Unit.objects.create(name="昆明市医疗保障局", level="市", region="云南省昆明市", parent=province)
    return {
        "province": province, "finance": finance, "kunming": kunming,
        "nanjing": Unit.objects.create(name="南京市医疗保险管理中心", level="市", region="江苏省南京市", parent=province),
        "xundian": Unit.objects.create(name="寻甸回族彝族自治县医疗保险中心", level="县",
                                       region="云南省昆明市寻甸回族彝族自治县", parent=kunming),
        "zhongwei": Unit.objects.create(name="中卫市医疗保障局", level="市", region="宁夏回族自治区中卫市", parent=province),
        "suzhou": Unit.objects.create(name="宿州市医疗保障局", level="市", region="安徽省宿州市", parent=province),
    }


def builtin_frameworks() -> list[Path]:
    folder = resources.files("jixiao") / "frameworks"
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".yaml"))


@transaction.atomic
def setup_demo(password: str = DEMO_PASSWORD) -> list[tuple[str, str, str]]:
    """Create the demo province once; return (username, unit, role) for every account."""
    if not Unit.objects.exists():
        for path in builtin_frameworks():
            store_framework(path.read_text(encoding="utf-8"), path.name, builtin=True)
        units = _units()
        folder = resources.files("jixiao") / "examples"
        for key, files in EXAMPLES.items():
            for name in files:
                import_evaluation_file(Path(str(folder / name)), units[key], state=Evaluation.DRAFT)
        User = get_user_model()
        for username, unit_key, role in ACCOUNTS:
            user = User.objects.create_user(username=username, password=password)
            Account.objects.create(user=user, unit=units[unit_key], role=role)
        setup_demo_projects(units)
        setup_demo_cycle(units)
    return [(a.user.username, a.unit.name, a.get_role_display())
            for a in Account.objects.select_related("user", "unit").order_by("id")]
