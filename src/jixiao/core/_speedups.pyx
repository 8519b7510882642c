# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Compiled copies of the hottest loops of ``scoring.score`` and ``audit.audit``.

Each function here is the loop it names in its module, statement for statement, compiled so
that the dictionary look-ups, appends and Decimal additions of each row run without the
interpreter between them (national-scale scoring, issue 15). The modules keep their Python
loops: they run when this extension is not built, or when ``JIXIAO_PURE_PYTHON=1``, and
tests/test_speedups.py checks that both give the same sheets and findings, row for row.
Nothing here decides a score: a row not remembered goes back to the Python code (``entry``).
"""

from cpython.dict cimport PyDict_Copy, PyDict_GetItem, PyDict_SetItem
from cpython.list cimport PyList_GET_SIZE
from cpython.object cimport PyObject, PyTypeObject
from cpython.long cimport PyLong_FromVoidPtr


cdef extern from "Python.h":
    ctypedef struct PyMemberDef:
        Py_ssize_t offset
    ctypedef struct PyMemberDescrObject:
        PyMemberDef* d_member
    int PyObject_GenericSetDict(object o, object value, void* context) except -1


# Where a row's slots are (``scoring._RowSlots``), so that the loops below read a row's
# ``input``, ``score``, ``declared`` and ``_audit`` at their offsets in the object instead of
# through attribute look-up; ``rows_like(ScoreRow, _RowSlots)`` sets them. A row of another
# class, or a slot not set, is read by attribute.
cdef type _row_type = None
cdef Py_ssize_t _input_at = 0, _score_at = 0, _declared_at = 0, _audit_at = 0


cdef Py_ssize_t _offset(type slots, str name):
    descriptor = slots.__dict__[name]
    if type(descriptor).__name__ != "member_descriptor":
        raise TypeError(f"{name} is not a slot of {slots.__name__}")
    return (<PyMemberDescrObject*>descriptor).d_member.offset


def rows_like(type row_type, type slots):
    """Read rows of ``row_type`` (whose slots are those of ``slots``) at their slots' offsets."""
    global _row_type, _input_at, _score_at, _declared_at, _audit_at
    if not issubclass(row_type, slots) or row_type.__slots__ != ():
        raise TypeError("the row class must add no slots to its slots class")
    _input_at, _score_at = _offset(slots, "input"), _offset(slots, "score")
    _declared_at, _audit_at = _offset(slots, "declared"), _offset(slots, "_audit")
    _row_type = row_type


cdef inline object _slot(object row, Py_ssize_t at, str name):
    """``getattr(row, name)``: read at the slot's offset for a row of ``_row_type``."""
    cdef PyObject* value
    if type(row) is _row_type:
        value = (<PyObject**>((<char*><PyObject*>row) + at))[0]
        if value is not NULL:
            return <object>value
    return getattr(row, name)


cdef list _remembered_subrows(tuple subs, object item, dict inputs, dict remembered, object empty, object one):
    """[head, *sub-rows] of an indicator with sub-rows whose rows are all remembered, as
    ``scoring._score_with_subrows`` finds them (factor 1: each sub-row by its input in its
    leaf's rows, the head by the ids of its input, factor and sub-rows); None otherwise."""
    cdef list out = [None], key = [PyLong_FromVoidPtr(<void*>item), PyLong_FromVoidPtr(<void*>one)]
    cdef PyObject* found
    cdef object sub_item, row
    for sub in subs:
        found = PyDict_GetItem(inputs, sub.code)
        sub_item = empty if found is NULL or not <object>found else <object>found
        found = PyDict_GetItem(<dict>sub.rows, PyLong_FromVoidPtr(<void*>sub_item))
        if found is NULL:
            return None
        row = <object>found
        if _slot(row, _input_at, "input") is not sub_item or row.factor is not one:
            return None
        out.append(row)
        key.append(PyLong_FromVoidPtr(<void*>row))
    found = PyDict_GetItem(remembered, tuple(key))
    if found is NULL:
        return None
    out[0] = (<tuple>found)[0]
    return out


def score_rows(tuple flat, dict inputs, factors, entry, evaluation, plan, empty, one, zero):
    """The rows of every group of ``plan.flat`` in table order, each group's own rows' score
    and declared sums: ``score``'s first loop (see there), which leaves an indicator with
    sub-rows to ``entry``; here its rows are taken as ``_score_with_subrows`` would find them
    when they are all remembered. Returns (rows, heads, sums, declared_sums)."""
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
            if head is not None and _slot(head, _input_at, "input") is item:
                rows.append(head)
            elif head is None and factor is one and e[1] and (
                    scored := _remembered_subrows(<tuple>e[1], item, inputs, remembered, empty, one)) is not None:
                rows.extend(scored)
                head = scored[0]
            else:
                if path is None:
                    path = (<object>group[0]).path
                scored = entry(evaluation, plan, e[0], e[1], item, path, factor)
                rows.extend(scored)
                head = scored[0]
            heads.append(head)
            score_sum = score_sum + _slot(head, _score_at, "score")
            if declared is not None:
                d = _slot(head, _declared_at, "declared")
                declared = None if d is None else declared + d
        sums.append(score_sum)
        declared_sums.append(declared)
    return rows, heads, sums, declared_sums


def group_totals(tuple flat, tuple tops, list sums, list declared_sums, published, new, group_total, zero):
    """Each group's subtotal and its GroupTotal in the order of ``flat``, and the total, the
    weights' total and the declared rows' total of the top groups: ``scoring._group_totals``
    (see there), statement for statement. Returns (groups, total, weight_total, declared_rows)."""
    cdef Py_ssize_t i, c, n = len(flat)
    cdef tuple children, group
    cdef list groups = []
    cdef object score_sum, declared, d, found, subtotal, fields, weight_total, total, declared_rows
    i = n - 1
    while i >= 0:
        children = <tuple>(<tuple>flat[i])[2]
        if children:
            score_sum, declared = sums[i], declared_sums[i]
            for c in children:
                score_sum = score_sum + sums[c]
                d = declared_sums[c]
                declared = None if declared is None or d is None else declared + d
            sums[i], declared_sums[i] = score_sum, declared
        i -= 1
    for i in range(n):
        group = <tuple>flat[i]
        declared = declared_sums[i]
        gp = group[0]
        if published:
            found = published.get(gp.group.code)
            if found is not None:
                declared = found
        subtotal = new(group_total)
        fields = PyDict_Copy(gp.fields)
        PyDict_SetItem(fields, "score", sums[i])
        PyDict_SetItem(fields, "declared", declared)
        PyObject_GenericSetDict(subtotal, fields, NULL)
        groups.append(subtotal)
    weight_total = total = zero
    declared_rows = zero
    for c in tops:
        weight_total = weight_total + (<tuple>flat[c])[0].weight
        total = total + sums[c]
        d = declared_sums[c]
        declared_rows = None if declared_rows is None or d is None else declared_rows + d
    return tuple(groups), total, weight_total, declared_rows


def row_findings(tuple rows, list findings, own_findings):
    """Each row's own findings added to ``findings`` in row order, ``own_findings(position,
    row)`` finding those of a row not audited before: ``audit``'s row loop (see there)."""
    cdef Py_ssize_t position = 0
    cdef object row, own
    for row in rows:
        own = _slot(row, _audit_at, "_audit")
        if own is None:
            own = own_findings(position, row)
        if own:
            findings.extend(own)
        position += 1


cdef Py_ssize_t _value_end(const unsigned char* s, Py_ssize_t i, Py_ssize_t end):
    """Where the JSON value that starts at ``i`` ends (strings, escapes and nesting followed;
    a number or literal ends at the next ``,`` or ``}``), or -1 when it does not end before
    ``end``. Not a validation: what is cut here is parsed (and refused) by the caller."""
    cdef Py_ssize_t depth = 0
    cdef bint in_string = False
    cdef unsigned char ch
    if i >= end:
        return -1
    ch = s[i]
    if ch == b'"' or ch == b'{' or ch == b'[':
        while i < end:
            ch = s[i]
            if in_string:
                if ch == b'\\':
                    i += 1
                elif ch == b'"':
                    in_string = False
                    if depth == 0:
                        return i + 1
            elif ch == b'"':
                in_string = True
            elif ch == b'{' or ch == b'[':
                depth += 1
            elif ch == b'}' or ch == b']':
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
        return -1
    while i < end and s[i] != b',' and s[i] != b'}':
        i += 1
    return i if i < end else -1


def scan_inputs(bytes text, Py_ssize_t opening, dict members, new_member):
    """The members of the ``inputs`` object whose ``{`` is at ``opening`` in ``text`` (one
    line of a stored evaluation, as jixiao writes it: ``"CODE": {…}`` members separated by
    ``, ``), and the position after its ``}``; None when the text is not of that form (the
    caller then reads the line another way). Each member's text, without its opening quote
    and its closing brace, is looked up in ``members`` ((code, input) of members seen
    before); a member not seen before is given to ``new_member(text)``, which returns what
    ``members`` would hold for it (or None: the line is read another way). A repeated code
    keeps its first place and its last input, as ``json.loads`` does.

    ``io.bulk.StoredRecords._inputs`` finds the same members by cutting the text at every
    ``}, "`` (its reference loop, compared with this on the benchmark's data set by
    tests/test_speedups.py); this walks the bytes once, strings and nested objects included."""
    cdef const unsigned char* s = text
    cdef Py_ssize_t n = len(text), i = opening + 1, start
    cdef dict inputs = {}
    cdef PyObject* found
    cdef object key, hit
    if i < n and s[i] == b'}':
        return inputs, i + 1
    while True:
        if i >= n or s[i] != b'"':
            return None
        start = i + 1
        i = start
        while i < n and s[i] != b'"':  # the code: a string without escapes
            if s[i] == b'\\':
                return None
            i += 1
        if i + 3 >= n or s[i + 1] != b':' or s[i + 2] != b' ' or s[i + 3] != b'{':
            return None
        i = _value_end(s, i + 3, n) - 1  # at the brace that closes the member's object
        if i < 0:
            return None
        key = text[start:i]  # without the opening quote and the closing brace
        found = PyDict_GetItem(members, key)
        if found is NULL:
            hit = new_member(key)
            if hit is None:
                return None
        else:
            hit = <object>found
        PyDict_SetItem(inputs, (<tuple>hit)[0], (<tuple>hit)[1])
        i += 1  # after the member's brace
        if i < n and s[i] == b'}':
            return inputs, i + 1
        if i + 2 >= n or s[i] != b',' or s[i + 1] != b' ':
            return None
        i += 2


def scan_record(bytes text, dict members, new_member):
    """One stored line (``{"framework": …, "inputs": {…}, …}`` as jixiao writes it: members
    separated by ``, ``, names followed by ``: ``) cut into its members: (the texts of the
    members before ``inputs``, ``inputs`` read by ``scan_inputs`` with ``members`` and
    ``new_member``, the texts of the members after it); None when the line is not of that
    form or has no ``inputs`` (the caller reads it another way). Each member's text is
    ``"name": value``, what ``io.bulk.StoredRecords._record_members`` looks up (its reference,
    which cuts the text at every ``, "name": `` of a known name instead)."""
    cdef const unsigned char* s = text
    cdef Py_ssize_t n = len(text), end = n, i, start, name_end
    cdef list before = [], after = []
    cdef object inputs = None, found
    while end > 0 and (s[end - 1] == b' ' or s[end - 1] == b'\n' or s[end - 1] == b'\r' or s[end - 1] == b'\t'):
        end -= 1
    if end < 2 or s[0] != b'{' or s[end - 1] != b'}':
        return None
    i = 1
    while True:
        if i >= end or s[i] != b'"':
            return None
        start = i
        i += 1
        while i < end and s[i] != b'"':  # the member's name: a string without escapes
            if s[i] == b'\\':
                return None
            i += 1
        name_end = i
        if i + 3 >= end or s[i + 1] != b':' or s[i + 2] != b' ':
            return None
        i += 3
        if name_end - start == 7 and text[start + 1:name_end] == b"inputs":
            if inputs is not None or s[i] != b'{':
                return None
            found = scan_inputs(text, i, members, new_member)
            if found is None:
                return None
            inputs, i = found
        else:
            i = _value_end(s, i, end)
            if i < 0:
                return None
            (before if inputs is None else after).append(text[start:i])
        if i == end - 1 and s[i] == b'}':
            break
        if i + 1 >= end or s[i] != b',' or s[i + 1] != b' ':
            return None
        i += 2
    if inputs is None:
        return None
    return before, inputs, after
