"""The root command, ``jixiao``; every command module registers itself on it."""

import typer

from jixiao.cli.common import fold_help_text

fold_help_text()  # help at 80 columns or in a pipe wraps instead of ending in "…"

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="jixiao 绩效：预算绩效自评——按规则计分、定级、核查。")
