"""Commands on the web site: ``jixiao demo``, ``jixiao backup``, ``jixiao restore``,
``jixiao manage``. Django is set up only when one of them runs."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from jixiao.cli.common import Table, err_console
from jixiao.cli.root import app

console = Console()


def _django(data_dir: Optional[Path] = None) -> None:
    import os

    if data_dir is not None:
        os.environ["JIXIAO_DATA"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jixiao.web.settings")
    import django

    django.setup()


@app.command("demo", short_help="启动演示网站：建库、载入示例省份与各角色账号")
def demo_cmd(port: int = typer.Option(8000, help="端口（仅监听127.0.0.1）"),
             no_browser: bool = typer.Option(False, "--no-browser", help="不自动打开浏览器"),
             data_dir: Optional[Path] = typer.Option(None, help="数据目录（默认 ~/.local/share/jixiao）"),
             setup_only: bool = typer.Option(False, "--setup-only", help="只建库和载入示例，不启动服务")) -> None:
    """启动演示网站：建库（SQLite，或 DATABASE_URL 指定的 PostgreSQL）、载入示例省份与各角色账号。"""
    _django(data_dir)
    import subprocess
    import sys
    import threading
    import webbrowser

    from django.core.management import call_command

    from jixiao.web.demo import DEMO_PASSWORD, setup_demo

    call_command("migrate", verbosity=0)
    accounts = setup_demo()
    table = Table(title=f"演示账号（密码均为 {DEMO_PASSWORD}）")
    for col in ("用户名", "单位", "角色"):
        table.add_column(col)
    for username, unit, role in accounts:
        table.add_row(username, unit, role)
    console.print(table)
    if setup_only:
        return
    url = f"http://127.0.0.1:{port}/login/"
    console.print(f"网站：{url}  （Ctrl+C 停止）")
    worker = subprocess.Popen([sys.executable, "-m", "django", "run_huey", "--workers", "1"])
    if not no_browser:
        threading.Timer(1.5, lambda: webbrowser.open(url)).start()
    try:
        call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, use_threading=True)
    finally:
        worker.terminate()


@app.command("backup")
def backup_cmd(out: Path = typer.Argument(..., help="备份文件（.zip）"),
               data_dir: Optional[Path] = typer.Option(None, help="数据目录")) -> None:
    """备份网站：全部数据（含变更记录）与附件。"""
    _django(data_dir)
    from jixiao.web.backup import backup

    counts = backup(out)
    console.print(f"已备份{sum(counts.values())}条记录到 {out}")


@app.command("restore")
def restore_cmd(file: Path = typer.Argument(..., help="备份文件（.zip）"),
                replace: bool = typer.Option(False, "--replace", help="清空现有数据后恢复"),
                data_dir: Optional[Path] = typer.Option(None, help="数据目录")) -> None:
    """从备份恢复网站（一个事务：失败则数据库不变）。"""
    _django(data_dir)
    from django.core.management import call_command

    from jixiao.web.backup import RestoreError, restore

    call_command("migrate", verbosity=0)
    try:
        counts = restore(file, replace=replace)
    except RestoreError as exc:
        err_console.print(f"[bold red]{exc}[/]")
        raise typer.Exit(code=2)
    console.print(f"已恢复{sum(counts.values())}条记录")


@app.command("manage", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def manage_cmd(ctx: typer.Context) -> None:
    """运行 Django 管理命令（如 migrate、createsuperuser）。"""
    _django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["jixiao manage", *ctx.args])
