"""In an 80-column terminal, or a pipe, the command line's tables wrap long Chinese text instead
of cutting it with "…": every word of a finding's message, an indicator's name and a unit's
name is printed."""

import json
import subprocess
import sys

import pytest
from conftest import EXAMPLES


def run(*args: str, columns: int = 80) -> str:
    proc = subprocess.run([sys.executable, "-m", "jixiao.cli", *args], capture_output=True, text=True,
                          env={"COLUMNS": str(columns), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def column_text(table: str, index: int) -> str:
    """The text of one column of a rich table, all its lines joined (a folded cell continues
    on the next lines of the same column)."""
    parts = []
    for line in table.splitlines():
        cells = line.split("│")
        if len(cells) > index + 1:
            parts.append(cells[index + 1].strip())
    return "".join(parts)


@pytest.mark.parametrize("columns", [60, 80])
def test_check_prints_every_finding_message_whole(columns):
    path = str(EXAMPLES / "xundian-2023-department.yaml")
    findings = json.loads(run("score", path, "--json"))["findings"]
    out = run("check", path, columns=columns)
    assert "…" not in out
    messages = column_text(out, 3)  # 位置 │ 编码 │ 类别 │ 说明
    assert len(findings) == 12
    for f in findings:
        assert f["message"].replace(" ", "") in messages.replace(" ", ""), f["message"]


def test_score_and_examples_keep_names_whole():
    out = run("score", str(EXAMPLES / "nanjing-2023-department.yaml"))
    assert "…" not in out
    assert "中长期目标与部门职能的匹配性" in column_text(out, 1)
    examples = run("examples")
    assert "…" not in examples
    assert "寻甸回族彝族自治县医疗保险中心" in column_text(examples, 1)
