# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Compiled copies of the hottest loops of ``scoring.score`` and ``audit.audit``.

Each function here is the loop it names in its module, statement for statement, compiled so
that the dictionary look-ups, appends and Decimal additions of each row run without the
interpreter between them (national-scale scoring, issue 15). The modules keep their Python
loops: they run when this extension is not built, or when ``JIXIAO_PURE_PYTHON=1``, and
tests/test_speedups.py checks that both give the same sheets and findings, row for row.
Nothing here decides a score: a row not remembered goes back to the Python code (``entry``).
"""

from cpython.dict cimport PyDict_GetItem
from cpython.list cimport PyList_GET_SIZE
from cpython.object cimport PyObject
from cpython.long cimport PyLong_FromVoidPtr


def score_rows(tuple flat, dict inputs, factors, entry, evaluation, plan, empty, one, zero):
    """The rows of every group of ``plan.flat`` in table order, each group's own rows' score
    and declared sums: ``score``'s first loop (see there). Returns (rows, heads, sums,
    declared_sums)."""
    cdef list rows = [], heads = [], sums = [], declared_sums = []
    cdef tuple group, entries, e
    cdef PyObject* found
    cdef dict remembered
    cdef dict factor_of = factors if factors else None
    cdef object item, head, factor, score_sum, declared, scored, path, code
    for group in flat:
        entries = <tuple>group[1]
        path = None
        score_sum = zero
        declared = zero
        for e in entries:
            code = e[2]
            found = PyDict_GetItem(inputs, code)
            if found is NULL:
                item = empty
            else:
                item = <object>found
                if not item:
                    item = empty
            remembered = <dict>e[3]
            head = None
            if factor_of is not None:
                found = PyDict_GetItem(factor_of, code)
                factor = one if found is NULL else <object>found
                if factor is one:
                    found = PyDict_GetItem(remembered, PyLong_FromVoidPtr(<void*>item))
                    if found is not NULL:
                        head = <object>found
            else:
                factor = one
                found = PyDict_GetItem(remembered, PyLong_FromVoidPtr(<void*>item))
                if found is not NULL:
                    head = <object>found
            if head is not None and head.input is item:
                rows.append(head)
            else:
                if path is None:
                    path = (<object>group[0]).path
                scored = entry(evaluation, plan, e[0], e[1], item, path, factor)
                rows.extend(scored)
                head = scored[0]
            heads.append(head)
            score_sum = score_sum + head.score
            if declared is not None:
                d = head.declared
                declared = None if d is None else declared + d
        sums.append(score_sum)
        declared_sums.append(declared)
    return rows, heads, sums, declared_sums


def row_findings(tuple rows, list findings, own_findings):
    """Each row's own findings added to ``findings`` in row order, ``own_findings(position,
    row)`` finding those of a row not audited before: ``audit``'s row loop (see there)."""
    cdef Py_ssize_t position = 0
    cdef object row, own
    for row in rows:
        own = row._audit
        if own is None:
            own = own_findings(position, row)
        if own:
            findings.extend(own)
        position += 1


def known_members(list pieces, Py_ssize_t i, dict members, dict inputs):
    """From ``pieces[i]`` on, each piece that is a key of ``members`` (a member of a stored
    ``inputs`` object seen before: (code, input)) put into ``inputs``, up to the first piece
    that is not: ``io.bulk.StoredRecords._inputs``'s loop over known members. Returns that
    piece's index (``len(pieces)`` if none) and the length of the text taken, separators
    included."""
    cdef Py_ssize_t n = len(pieces), taken = 0
    cdef PyObject* found
    cdef object piece
    cdef tuple hit
    while i < n:
        piece = pieces[i]
        found = PyDict_GetItem(members, piece)
        if found is NULL:
            break
        hit = <tuple>found
        inputs[hit[0]] = hit[1]
        taken += len(piece) + 4
        i += 1
    return i, taken
