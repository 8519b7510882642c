"""What every command-line module shares: the error console and the one way to report
invalid input (each located error on its own line, then exit code 2)."""

from __future__ import annotations

from typing import Iterable, NoReturn

import typer
from rich.console import Console
from rich.table import Table as RichTable

err_console = Console(stderr=True)


def fail(errors: Iterable[object]) -> NoReturn:
    """Print every error (LoadError or text) and exit with code 2."""
    errors = list(errors)
    err_console.print(f"[bold red]输入有误（{len(errors)}处）：[/]")
    for e in errors:
        err_console.print(f"  {e}", markup=False, highlight=False)
    raise typer.Exit(code=2)


class Table(RichTable):
    """A rich table whose cells wrap and never cut text: rich treats a run of Chinese
    characters as one word and, at its default overflow, ends it with "…" in a narrow terminal
    or a pipe (80 columns) — a finding's message or a unit name lost its most important part.
    "fold" breaks such a run across lines instead; every word stays visible."""

    def add_column(self, *args, **kwargs) -> None:
        kwargs.setdefault("overflow", "fold")
        super().add_column(*args, **kwargs)


def fold_help_text() -> None:
    """Make typer's help fold long text instead of cutting it with "…".

    typer renders every help text (a command's description in the command list, an option's
    help, an option's name) as a rich ``Text`` in a table column at rich's default overflow,
    "ellipsis": a run of Chinese characters is one word to rich, so at 80 columns or in a pipe
    most of a description was lost. typer has no setting for the overflow; all those texts
    pass through its one highlighter (pinned typer 0.29), so a highlighter that marks its
    texts "fold" replaces it — a ``Text``'s own overflow wins over the column's."""
    from rich.text import Text
    from typer import rich_utils

    base = type(rich_utils.highlighter)
    if getattr(base, "_folds", False):
        return

    class FoldingHighlighter(base):
        _folds = True

        def __call__(self, text):
            text = super().__call__(text)
            if isinstance(text, Text):
                text.overflow = "fold"
            return text

    rich_utils.highlighter = FoldingHighlighter()
