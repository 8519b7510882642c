"""Instructions per scored row, counted by valgrind: a figure that does not depend on how busy
the (shared) machine is, to compare two versions of the engine.

    valgrind --tool=callgrind --callgrind-out-file=/dev/null .venv/bin/python -m bench.instructions 0
    valgrind --tool=callgrind --callgrind-out-file=/dev/null .venv/bin/python -m bench.instructions 20 [--explain]

Each run prints the rows of one pass; callgrind prints "Collected : N" instructions. The
instructions per row are (N(20) − N(0)) / (20 × rows): the difference removes start-up,
imports and generating the data set (8 units, 40 evaluations, 1,304 rows). ``--explain``
also builds every row's explanation. Run with ``PYTHONPATH=<other checkout>/src`` to count
another version of the engine on the same data.
"""

from __future__ import annotations

import argparse

from jixiao.core.scoring import score

from .generate import dataset


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("passes", type=int)
    parser.add_argument("--size", type=int, default=8)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args(argv)
    evaluations = list(dataset(args.size).core_evaluations())
    rows = 0
    for ev in evaluations:  # warm: framework plans and rules hashes, as in a long-running process
        rows += len(score(ev).rows)
    for _ in range(args.passes):
        for ev in evaluations:
            sheet = score(ev)
            if args.explain:
                for row in sheet.rows:
                    row.explanation
    print(rows)


if __name__ == "__main__":
    main()
