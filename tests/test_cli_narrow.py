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


# ---- help: every description, option help and option name whole at 80 and 60 columns ----

BOX = {chr(c) for c in range(0x2500, 0x2580)}


def flat(text: str) -> str:
    """Text with whitespace and box-drawing characters removed: a folded word continues on
    the next line of its column, so compare what is printed, not how it is laid out."""
    return "".join(ch for ch in text if not ch.isspace() and ch not in BOX)


def in_order(said: str, printed: str) -> bool:
    """Every character of ``said`` is printed, in order: an option's help wraps in its column
    while the type column beside it may wrap too, so their lines interleave."""
    rest = iter(printed)
    return all(ch in rest for ch in said)


def first_paragraph(text: str) -> str:
    import inspect

    return inspect.cleandoc(text).split("\n\n")[0]


def all_commands():
    """(argv, click command) for the root, every group and every command under them."""
    import typer.main

    from jixiao.cli import app

    root = typer.main.get_command(app)
    found = [((), root)]
    stack = [((), root)]
    while stack:
        path, group = stack.pop()
        for name, cmd in getattr(group, "commands", {}).items():
            found.append((path + (name,), cmd))
            if hasattr(cmd, "commands"):
                stack.append((path + (name,), cmd))
    return found


def help_of(path: tuple[str, ...], columns: int) -> str:
    return run(*path, "--help", columns=columns)


@pytest.mark.parametrize("columns", [60, 80])
def test_help_lists_every_command_description_whole(columns):
    groups = [(path, cmd) for path, cmd in all_commands() if hasattr(cmd, "commands")]
    assert len(groups) >= 5  # jixiao, excel, cycle, project, template
    for path, group in groups:
        out = help_of(path, columns)
        assert "…" not in out, path
        assert max(len(line) for line in out.splitlines()) <= columns
        printed = flat(out)
        for name, cmd in group.commands.items():
            said = cmd.short_help or first_paragraph(cmd.help or "")
            assert said and flat(said) in printed, (path, name, said)


@pytest.mark.parametrize("columns", [60, 80])
def test_every_command_help_is_whole(columns):
    commands = [(path, cmd) for path, cmd in all_commands() if path and not hasattr(cmd, "commands")]
    assert len(commands) >= 25
    for path, cmd in commands:
        out = help_of(path, columns)
        assert "…" not in out, path
        printed = flat(out)
        assert flat(first_paragraph(cmd.help or "")) in printed, path
        for param in cmd.params:
            start = 0
            for opt in param.opts:
                if opt.startswith("--"):  # a long name may fold too: its start is on one line
                    assert opt[:12] in printed and in_order(opt, printed[printed.index(opt[:12]):]), (path, opt)
                    start = printed.index(opt[:12])
            if getattr(param, "help", None):
                assert in_order(flat(param.help), printed[start:]), (path, param.name)


def test_command_list_descriptions_fit_one_line_at_80_columns():
    """The root command list gives each command one line at 80 columns (the detail is in
    ``jixiao <command> --help``)."""
    out = help_of((), 80)
    panel = out[out.index("Commands"):]
    rows = [line for line in panel.splitlines() if line.startswith("│")]
    names = [line.split()[1] for line in rows if line[2] != " "]
    assert len(rows) == len(names) >= 15


@pytest.mark.parametrize("columns", [60, 80])
def test_framework_and_unit_names_stay_whole(columns):
    from jixiao.io.yamlio import builtin_framework_names, load_framework

    out = run("frameworks", columns=columns)
    assert "…" not in out
    keys, names = column_text(out, 0), column_text(out, 1)
    for key in builtin_framework_names():
        fw, _ = load_framework(f"builtin:{key}")
        assert key in keys and fw.name.replace(" ", "") in names, key
    examples = run("examples", columns=columns)
    assert "…" not in examples
    assert "寻甸回族彝族自治县医疗保险中心" in column_text(examples, 1)
    assert "南京市医疗保险管理中心" in column_text(examples, 1)
