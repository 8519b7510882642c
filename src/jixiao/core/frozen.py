"""Immutable value objects that are built without a frozen dataclass's per-field cost.

A scored row, a rule's result and an audit finding are made by the hundred thousand in a bulk
run; each class builds its objects itself (a row or finding fills a builder's slots and takes
its class; a result fills its dict) and gets from ``FrozenValue`` what a frozen dataclass
would give it: no assignment, and equality, hashing, repr and pickling by its fields' values.
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError


class FrozenValue:
    """Immutability, ``==``, ``hash``, ``repr`` and pickling by ``_values()``: the values of
    ``_FIELDS`` (the constructor's arguments, in its order) as the object reads them — a text
    built lazily is compared, hashed and pickled as its text."""

    __slots__ = ()
    _FIELDS: tuple[str, ...] = ()

    def _values(self) -> tuple:
        return tuple(getattr(self, name) for name in self._FIELDS)

    def __setattr__(self, name, value):
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name):
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __eq__(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self):
        return hash(self._values())

    def __repr__(self):
        return (self.__class__.__name__ + "("
                + ", ".join(f"{name}={value!r}" for name, value in zip(self._FIELDS, self._values())) + ")")

    def __reduce__(self):
        return (self.__class__, self._values())


def lazy_text(slot: str) -> property:
    """A read-only property whose slot ``slot`` holds the text or a function that writes it:
    the function is called on the first read and its text kept in the slot (formatting a
    row's explanation or a finding's message costs more than finding it; a bulk run seldom
    reads them)."""

    def text(self) -> str:
        value = getattr(self, slot)
        if value.__class__ is not str:
            value = value()
            object.__setattr__(self, slot, value)
        return value

    return property(text)
