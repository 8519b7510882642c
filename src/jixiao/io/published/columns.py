"""Column roles of a published header, and the typing of cells that aligns a row with
left-out (merged) cells to those roles."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation


NUM = r"-?\d+(?:\.\d+)?"


COLUMN_ROLES: tuple[tuple[str, re.Pattern], ...] = tuple((role, re.compile(pattern)) for role, pattern in (
    ("level1", r"^一级(?:指标)?(?:名称)?$"),
    ("level2", r"^二级(?:指标)?(?:名称)?$"),
    ("level3", r"^(?:三级(?:指标)?(?:名称)?|指标名称|绩效指标)$"),
    ("weight", r"^(?:权重|分值|指标分值|标准分值|权重分|权重\(分\)|分值\(分\)|满分)$"),
    ("target", r"^(?:目标值|标准值|指标值|年度目标值|预期目标值?|指标标准|年度指标值|年初目标值|年度绩效目标值|绩效目标值|"
               r"全年目标值|年度指标值\(计划\))$"),
    ("criteria", r"^(?:评分标准|评分细则|指标评分细则|评分办法|计分方法|评分规则|评价标准|指标说明及评分标准|评分标准及说明)$"),
    ("actual", r"^(?:实际完成值|实际值|完成值|全年实际值|全年完成值|实际完成指标值|年度实际完成值)$"),
    ("evidence", r"^(?:评分过程|实际完成情况|完成情况|评分依据|得分说明|评价说明|偏差原因|扣分原因|具体指标|"
                 r"偏差原因分析及改进措施|偏差原因分析及改进措|偏差原因分析|偏差原因及改进措施|未完成原因分析|"
                 r"未完成原因分析及改进措施|偏差原因分析及整改措施)$"),
    ("nature", r"^(?:指标性质|指标方向)$"),
    ("unit", r"^(?:度量单位|计量单位)$"),
    ("score", r"^(?:得分|自评得分|评价得分|实际得分|评分|自评分)$"),
    ("description", r"^(?:指标说明|指标解释|指标内涵|指标解释说明)$"),
    ("source", r"^(?:数据来源|责任科室|佐证材料|责任部门)$"),
))
TOTAL_WORDS = re.compile(r"^(?:合计|总分|总计|得分合计|合计得分|总得分)(?:[(（]\d+(?:\.\d+)?分[)）])?$")
TEXT_ROLES = ("target", "criteria", "actual", "evidence", "description", "source", "nature", "unit")


def header_roles(cells: list[str]) -> list[str | None] | None:
    """Column roles of a header row, or None when the row is not an indicator table header.

    A second 分值 column where no 得分 column exists is the score (seed 004 prints 分值 twice)."""
    roles: list[str | None] = []
    names = [re.sub(r"\s+", "", c or "") for c in cells]
    proper_level3 = any(re.match(r"^三级(?:指标)?(?:名称)?$", n) for n in names)
    for cell in cells:
        name = re.sub(r"\s+", "", cell or "").replace("（", "(").replace("）", ")")
        name = re.sub(r"\([A-Z]\)$", "", name)  # 年初目标值(A), 全年实际值(B)
        role = next((r for r, regex in COLUMN_ROLES if regex.match(name)), None)
        if role == "level3" and proper_level3 and not name.startswith("三级"):
            role = None  # the form's 绩效指标 label column, beside a 三级指标 column
        if role == "weight" and "weight" in roles and "score" not in roles:
            role = "score"
        roles.append(role if role not in roles else None)
    known = {r for r in roles if r}
    if not known & {"level2", "level3", "criteria", "target", "actual", "evidence"}:
        return None  # 序号 | 一级指标 | 分值 | 得分: a summary of the headings, not the indicator table
    if len(known) >= 3 and known & {"level1", "level3"} and known & {"weight", "score"}:
        return roles
    return None


# --- cell typing for aligning rows with left-out cells ----------------------------------------

_NUMBER_RE = re.compile(rf"^{NUM}\s*分?$")
_CODE_RE = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]?)?\s*(?P<code>[A-Z]\d{0,3})(?:[\s、.．。:：]+|(?=[\u4e00-\u9fff“\"(（《]))")
_SUBCODE_RE = re.compile(r"^(?P<parent>[A-Z]\d{1,3})[-－—](?P<n>\d{1,2})(?=\D|$)")
_POINTS_RE = re.compile(rf"[(（]\s*(?P<pts>{NUM})\s*分?\s*[)）]?\s*$")
_SCORING_WORDS = re.compile(r"得\d|扣|计\d|满分|不得分|计分|得分|加\d|分\)|分）")
_SOURCE_RE = re.compile(r"^(?:[\u4e00-\u9fff]{1,12}(?:科|室|处|局|中心|办公室|组|股|部)\s*){1,3}$")
_TARGET_RE = re.compile(r"^(?:≥|≤|>|<|=|＞|＜|不低于|不高于|不少于|不超过)?\s*\d")


def is_number(text: str) -> bool:
    return bool(_NUMBER_RE.match((text or "").strip()))


def to_decimal(text: str) -> Decimal | None:
    """The number in a score or weight cell ("3", "1.98", "2分"), or None."""
    t = (text or "").strip().replace("分", "").replace(",", "")
    try:
        return Decimal(t) if t else None
    except InvalidOperation:
        return None


def code_depth(text: str) -> int:
    """How deep a published code is: A → 1, A1 → 2, A11 or C101 → 3; 0 for no code."""
    m = _CODE_RE.match(re.sub(r"\s+", " ", text or "").strip())
    if not m:
        return 0
    digits = len(m["code"]) - 1
    return 1 if digits == 0 else (2 if digits == 1 else 3)


_LEVEL1_NAMES = {"产出指标", "效益指标", "满意度指标", "成本指标", "决策指标", "过程指标", "产出", "效益", "满意度"}

#: The 项目支出绩效自评表's own 一级 and 二级 headings (each word + 指标): never the other level there.
FORM_LEVEL1_WORDS = ("产出", "效益", "满意度")
FORM_LEVEL2_WORDS = ("数量", "质量", "时效", "进度", "成本", "经济效益", "社会效益", "生态效益", "可持续影响", "服务对象满意度")
#: the 一级 each 二级 stands under in the form (经济成本 is the 成本指标's sub-heading in some copies)
FORM_LEVEL1_OF = {"数量": "产出", "质量": "产出", "时效": "产出", "进度": "产出", "成本": "产出", "经济成本": "产出",
                  "经济效益": "效益", "社会效益": "效益", "生态效益": "效益", "可持续影响": "效益", "服务对象满意度": "满意度"}
FORM_LEVEL1 = frozenset(w + "指标" for w in FORM_LEVEL1_WORDS)
FORM_LEVEL2 = frozenset(w + "指标" for w in FORM_LEVEL2_WORDS)


def _compat(cell: str, role: str | None) -> float:
    """How well a cell's text fits a column role (higher is better)."""
    text = (cell or "").strip()
    if not text:
        return 0.0
    number, depth, long = is_number(text), code_depth(text), len(text) > 40
    heading = bool(_POINTS_RE.search(re.sub(r"\s+", "", text)))
    scoring = bool(_SCORING_WORDS.search(text))
    if role in ("weight", "score"):
        return 3.0 if number else -4.0
    if role is None and number and re.fullmatch(r"\d{1,3}", text):
        return 0.0  # a 序号 in its unnamed column
    if number:
        return 0.5 if role in ("target", "actual") else -4.0
    bare = re.sub(r"\s+", "", text)
    if role == "level1" and bare in _LEVEL1_NAMES:
        return 3.0
    if role == "level2" and depth == 0 and re.fullmatch(r"[\u4e00-\u9fff]{2,8}指标", bare) and bare not in _LEVEL1_NAMES:
        return 3.0  # 经济效益 指标, 数量指标: the form's 二级指标 names
    if role == "level1":
        return 3.0 if depth == 1 else (-3.0 if depth >= 2 else (1.0 if heading else (0.5 if len(text) <= 12 else -1.0)))
    if role == "level2":
        return 5.0 if depth == 2 else (-3.0 if depth == 3 else (-1.0 if depth == 1 else
                                                                (1.5 if heading else (0.5 if len(text) <= 16 else -1.0))))
    if role == "level3":
        return 4.0 if depth == 3 else (-2.0 if depth in (1, 2) else
                                       (1.0 if not long and (not scoring or heading) else -0.5))
    if role in ("target", "actual"):
        return 2.0 if _TARGET_RE.match(text) else (0.3 if len(text) <= 20 else -0.5)
    if role == "nature":
        return 3.0 if re.fullmatch(r"[≥≤>=<＞＜＝≧≦═]+|定性|定量|正向|反向", text) else -1.0
    if role == "unit":
        return 1.0 if len(text) <= 4 else -1.0
    if role == "criteria":
        return 2.0 if scoring else 0.5
    if role == "description":
        return 0.3 if scoring else 0.8
    if role == "evidence":
        return 0.7
    if role == "source":
        return 3.0 if _SOURCE_RE.match(text) else (0.2 if len(text) <= 15 else -2.0)
    return -0.5


_SKIP_COST = {"level1": 0.0, "level2": 0.05, "level3": 0.1, "weight": 0.4, "score": 0.8, "target": 0.5,
              "criteria": 0.5, "actual": 0.5, "evidence": 0.5, "description": 0.5, "source": 0.1, "nature": 0.2,
              "unit": 0.2, None: 0.0}


def align(cells: list[str], roles: list[str | None]) -> list[int]:
    """Columns for the cells of a row printed with merged cells left out (pipe dumps) or
    shifted: the order-preserving assignment of cells to columns that best fits the cells'
    text (numbers in 权重/得分, codes in the level of their depth…), by dynamic programming."""
    n, m = len(cells), len(roles)
    neg = float("-inf")
    best = [[neg] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    for j in range(1, m + 1):
        best[0][j] = best[0][j - 1] - _SKIP_COST[roles[j - 1]]
        back[0][j] = (0, j - 1)
    for i in range(1, n + 1):
        for j in range(i, m + 1):
            take = best[i - 1][j - 1] + _compat(cells[i - 1], roles[j - 1])
            skip = best[i][j - 1] - _SKIP_COST[roles[j - 1]] if j > i else neg
            if take >= skip:
                best[i][j], back[i][j] = take, (i - 1, j - 1)
            else:
                best[i][j], back[i][j] = skip, (i, j - 1)
    cols, i, j = [0] * n, n, m
    while i > 0:
        pi, pj = back[i][j]
        if pi == i - 1:
            cols[i - 1] = j - 1
        i, j = pi, pj
    return cols
