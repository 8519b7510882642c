"""Charts for reports (matplotlib, Agg backend, a CJK font).

Three charts: points scored and lost per level-1 group (一级指标), the points each indicator
lost (扣分情况), and a unit's totals over several years. Each writes a PNG and returns its
path. Text is Chinese, so a CJK font is required: Noto Sans CJK SC (or Serif) from
fonts-noto-cjk, else another installed CJK family; without one, ChartError says what to install.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from jixiao.core.numbers import ZERO, fmt
from jixiao.core.scoring import ScoreRow, ScoreSheet


@lru_cache(maxsize=1)
def _pyplot():
    """matplotlib's pyplot on the Agg backend, imported when a chart is first drawn (it takes
    a third of a second: every command of the command line would pay it otherwise)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt

#: CJK families tried in order; the first installed one is used.
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC", "Source Han Serif SC",
                "Noto Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei",
                "PingFang SC", "Noto Sans CJK JP", "Noto Sans CJK TC")

SCORED = "#2f5d8a"
LOST = "#d9822b"
DPI = 200


class ChartError(RuntimeError):
    """No CJK font is available, or the data cannot be charted."""


@lru_cache(maxsize=1)
def cjk_family() -> str:
    """The CJK font family charts use; ChartError when none is installed."""
    _pyplot()
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    raise ChartError("未找到中文字体，图表中的汉字无法显示。请安装 Noto CJK 字体：apt-get install fonts-noto-cjk")


def _style() -> dict:
    return {"font.family": "sans-serif", "font.sans-serif": [cjk_family(), "DejaVu Sans"],
            "axes.unicode_minus": False, "font.size": 10}


def lost_points(row: ScoreRow) -> Decimal:
    """Points an indicator lost: its effective weight minus its score (never below 0)."""
    if row.not_applicable is not None:
        return ZERO
    return max(row.effective_weight - row.score, ZERO)


def group_points(sheet: ScoreSheet) -> list[tuple[str, Decimal, Decimal]]:
    """(level-1 name, score, points lost) for each level-1 group, in table order."""
    out = []
    for group in sheet.framework.groups:
        rows = [r for r in sheet.indicator_rows if r.path and r.path[0].code == group.code]
        score = sum((r.score for r in rows), ZERO)
        lost = sum((lost_points(r) for r in rows), ZERO)
        out.append((group.name, score, lost))
    return out


def deductions(sheet: ScoreSheet) -> list[tuple[ScoreRow, Decimal]]:
    """Indicators (level 3) that lost points, most points lost first."""
    lost = [(r, lost_points(r)) for r in sheet.indicator_rows]
    return sorted((x for x in lost if x[1] > 0), key=lambda x: (-x[1], x[0].code))


def _save(fig, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    _pyplot().close(fig)
    return path


def _short(text: str, limit: int = 16) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def lost_by_group_chart(sheet: ScoreSheet, path: Path) -> Path:
    """Stacked bars per level-1 group: points scored and points lost (失分), labelled."""
    data = group_points(sheet)
    plt = _pyplot()
    with plt.rc_context(_style()):
        fig, ax = plt.subplots(figsize=(6.3, 3.2))
        names = [_short(name, 8) for name, _, _ in data]
        scores = [float(s) for _, s, _ in data]
        lost = [float(x) for _, _, x in data]
        ax.bar(names, scores, color=SCORED, label="得分", width=0.55)
        ax.bar(names, lost, bottom=scores, color=LOST, label="失分", width=0.55)
        top = max((s + x for s, x in zip(scores, lost)), default=1) or 1
        for i, (_, s, x) in enumerate(data):
            label = f"{fmt(s)}/{fmt(s + x)}" + (f"\n失{fmt(x)}" if x > 0 else "")
            ax.text(i, float(s + x) + top * 0.02, label, ha="center", va="bottom", fontsize=9)
        ax.set_ylim(0, top * 1.3)
        ax.set_ylabel("分")
        ax.set_title(f"各一级指标得分与失分（总分{fmt(sheet.total)}分）", fontsize=11)
        ax.legend(loc="upper right", fontsize=8, frameon=False, ncol=2)
        ax.spines[["top", "right"]].set_visible(False)
        return _save(fig, path)


def deductions_chart(sheet: ScoreSheet, path: Path, limit: int = 20) -> Path | None:
    """Horizontal bars of the points each indicator lost, largest first (at most ``limit``
    bars); None, and no file, when no indicator lost points."""
    data = deductions(sheet)[:limit]
    if not data:
        return None
    plt = _pyplot()
    with plt.rc_context(_style()):
        height = 1.2 + 0.4 * len(data)
        fig, ax = plt.subplots(figsize=(6.3, height))
        labels = [f"{r.code} {_short(r.name, 18)}" for r, _ in data][::-1]
        values = [float(x) for _, x in data][::-1]
        bars = ax.barh(labels, values, color=LOST, height=0.6)
        most = max(values)
        for bar, (row, lost) in zip(bars, data[::-1]):
            ax.text(bar.get_width() + most * 0.02, bar.get_y() + bar.get_height() / 2,
                    f"扣{fmt(lost)}分（{fmt(row.score)}/{fmt(row.effective_weight)}）", va="center", fontsize=9)
        ax.set_xlim(0, most * 1.6)
        ax.set_xlabel("扣分（分）")
        ax.set_title("指标扣分情况", fontsize=11)
        ax.spines[["top", "right"]].set_visible(False)
        return _save(fig, path)


def trend_chart(sheets: list[ScoreSheet], path: Path) -> Path:
    """A unit's total score by year, with the grade lines of the latest framework.

    All sheets must be of the same unit and of different years; ChartError otherwise."""
    if not sheets:
        raise ChartError("没有评价结果，无法绘制历年得分图")
    units = {s.evaluation.unit.name for s in sheets}
    if len(units) > 1:
        raise ChartError(f"历年得分图只能用于同一单位，收到：{'、'.join(sorted(units))}")
    years = [s.evaluation.year for s in sheets]
    repeated = sorted({y for y in years if years.count(y) > 1})
    if repeated:
        raise ChartError(f"年度重复：{'、'.join(map(str, repeated))}")
    ordered = sorted(sheets, key=lambda s: s.evaluation.year)
    latest = ordered[-1].framework
    plt = _pyplot()
    with plt.rc_context(_style()):
        fig, ax = plt.subplots(figsize=(6.3, 3.0))
        xs = [str(s.evaluation.year) for s in ordered]
        ys = [float(s.total) for s in ordered]
        ax.plot(xs, ys, marker="o", color=SCORED, linewidth=2)
        for x, s in zip(xs, ordered):
            ax.annotate(f"{fmt(s.total)}（{s.grade}）", (x, float(s.total)), textcoords="offset points",
                        xytext=(0, 7), ha="center", fontsize=8)
        for band in latest.grades:
            if band.min > 0:
                ax.axhline(float(band.min), color="#999999", linewidth=0.8, linestyle="--")
                ax.text(len(xs) - 0.5, float(band.min), f"{band.name} ≥{fmt(band.min)}", fontsize=7,
                        color="#666666", va="bottom", ha="right")
        low = min(min(ys), float(min((b.min for b in latest.grades if b.min > 0), default=ZERO)))
        ax.set_ylim(max(0.0, low - 10), float(latest.total) + 5)
        ax.set_xlim(-0.5, len(xs) - 0.5)
        ax.set_ylabel("总分")
        ax.set_title(f"{ordered[0].evaluation.unit.name}历年绩效自评得分", fontsize=10)
        ax.spines[["top", "right"]].set_visible(False)
        return _save(fig, path)
