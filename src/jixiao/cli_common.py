"""What every command-line module shares: the error console and the one way to report
invalid input (each located error on its own line, then exit code 2)."""

from __future__ import annotations

from typing import Iterable, NoReturn

import typer
from rich.console import Console

err_console = Console(stderr=True)


def fail(errors: Iterable[object]) -> NoReturn:
    """Print every error (LoadError or text) and exit with code 2."""
    errors = list(errors)
    err_console.print(f"[bold red]输入有误（{len(errors)}处）：[/]")
    for e in errors:
        err_console.print(f"  {e}", markup=False, highlight=False)
    raise typer.Exit(code=2)
