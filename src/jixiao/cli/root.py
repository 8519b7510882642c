"""The root command, ``jixiao``; every command module registers itself on it."""

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="jixiao 绩效：预算绩效自评——按规则计分、定级、核查。")
