"""``python -m jixiao.cli``."""

from jixiao.cli import main

main()
