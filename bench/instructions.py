"""Instructions per scored row, counted by valgrind: a figure that does not depend on how busy
the (shared) machine is, to compare two versions of the engine.

    valgrind --tool=callgrind --callgrind-out-file=/dev/null .venv/bin/python -m bench.instructions 0
    valgrind --tool=callgrind --callgrind-out-file=/dev/null .venv/bin/python -m bench.instructions 20 [--explain]

Each run prints the rows of one pass; callgrind prints "Collected : N" instructions. The
instructions per row are (N(20) − N(0)) / (20 × rows): the difference removes start-up,
imports and generating the data set (8 units, 40 evaluations, 1,304 rows). ``--explain``
also builds every row's explanation. ``--pipeline`` counts the whole pipeline of
bench/pipeline.py instead: each evaluation parsed from its stored JSON line, built and
validated against the shared framework, scored and audited (what one row costs end to end).
Run with ``PYTHONPATH=<other checkout>/src`` to count another version of the engine on the
same data.
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
    parser.add_argument("--pipeline", action="store_true", help="parse + validate + score + audit")
    args = parser.parse_args(argv)
    if args.pipeline:
        return _pipeline(args.passes, args.size)
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


def _pipeline(passes: int, size: int) -> None:
    import json
    import tempfile
    from pathlib import Path

    from jixiao.core.audit import audit
    from jixiao.core.model import Evaluation

    def evaluation_from_record(record, framework):  # = jixiao.io.bulk's (inline: counts older versions too)
        return Evaluation.model_validate({**{k: v for k, v in record.items() if k != "framework"},
                                          "framework": framework})

    from .pipeline import _frameworks, write_dataset

    with tempfile.TemporaryDirectory(prefix="jixiao-instructions-") as work:
        folder = Path(work)
        write_dataset(size, folder)
        frameworks = _frameworks(folder)
        lines = (folder / "evaluations.jsonl").read_bytes().splitlines()

    try:  # the stored lines read as bench.pipeline reads them (each distinct input validated once)
        from jixiao.io.bulk import StoredRecords
    except ImportError:  # an older version of the engine
        StoredRecords = None
    read = StoredRecords().line if StoredRecords is not None else None

    def one_pass() -> int:
        rows = 0
        for line in lines:
            if read is not None:
                sheet = score(read(line, frameworks)[1])
            else:
                record = json.loads(line)
                sheet = score(evaluation_from_record(record, frameworks[record["framework"]]))
            audit(sheet)
            rows += len(sheet.rows)
        return rows

    rows = one_pass()  # warm, as above
    for _ in range(passes):
        one_pass()
    print(rows)


if __name__ == "__main__":
    main()
