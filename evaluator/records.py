"""Records: value classes made as `@dataclass` makes them, without compiling any code when they are defined.

`@dataclass` writes the source of `__init__`, `__repr__`, `__eq__`, `__hash__`, `__setattr__` and
`__delattr__` for every class and `exec`s it: about half a millisecond a class, tens of milliseconds for the
classes a command defines before it can start. `@record` asks `dataclasses` only for what costs nothing (the
fields, `__match_args__`; no methods), then installs methods shared by every record, closed over the
class's field names. So `dataclasses.fields`, `replace`, `asdict`, `is_dataclass` and `match` work as on
any dataclass, and a record behaves as `@dataclass(frozen=True)` would: the same equality, hash, repr,
frozen errors, TypeErrors for a bad call, pickling and copying.

    @record
    class Payment:
        amount: int
        note: str = field(default="", compare=False)

`@mutable_record` is `@dataclass` (not frozen; unhashable, as `@dataclass` with `eq=True` makes it).

Supported: defaults, `field(default=..., default_factory=..., init=..., repr=..., compare=..., hash=...)`,
`ClassVar`, `__post_init__` (without `InitVar`s), inheritance from other records. Refused with a TypeError
when the class is made: `InitVar`, keyword-only fields, `__slots__`, and a class that writes its own
`__init__`, `__repr__`, `__eq__`, `__hash__`, `__setattr__` or `__delattr__` (use `@dataclass` for those).
A record's `__dataclass_params__` says what dataclasses itself made (no __init__, not frozen), so records
and frozen dataclasses do not inherit from each other (dataclasses refuses it).
"""

from __future__ import annotations

import dataclasses
import inspect
from _thread import get_ident
from collections.abc import Callable
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform

_T = TypeVar("_T")
_MISSING: Any = dataclasses.MISSING
_FACTORY = object()  # stands for a default made by a factory, in a class's tuple of defaults
_ABSENT = object()  # an argument not given
_OWN = ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__", "__slots__")
_setattr = object.__setattr__


class _FactoryRepr:
    def __repr__(self) -> str:
        return "<factory>"  # as `dataclasses` shows a default factory in a signature


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field, dataclasses.Field))
def record(cls: type[_T]) -> type[_T]:
    """A frozen dataclass, `@dataclass(frozen=True)`, made without compiling code."""
    return _make(cls, frozen=True)


@dataclass_transform(field_specifiers=(dataclasses.field, dataclasses.Field))
def mutable_record(cls: type[_T]) -> type[_T]:
    """A dataclass, `@dataclass`, made without compiling code."""
    return _make(cls, frozen=False)


def _make(cls: type[_T], frozen: bool) -> type[_T]:
    for name in _OWN:
        if name in cls.__dict__:
            raise TypeError(f"record {cls.__qualname__} defines {name}: make it a @dataclass instead")
    docless = not cls.__dict__.get("__doc__")
    if docless:
        cls.__doc__ = "-"  # so that dataclasses does not work one out (slowly, from the wrong __init__)
    dataclasses.dataclass(cls, init=False, repr=False, eq=False)
    every = tuple(cls.__dataclass_fields__.values())  # type: ignore[attr-defined]
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    if len(every) != len(fields) and any(str(f._field_type) == "_FIELD_INITVAR" for f in every):
        raise TypeError(f"record {cls.__qualname__}: InitVar fields are not supported; make it a @dataclass")
    params = [f for f in fields if f.init]
    seen_default = False
    for f in params:
        if f.kw_only:
            raise TypeError(f"record {cls.__qualname__}: keyword-only fields are not supported; make it a @dataclass")
        if f.default is _MISSING and f.default_factory is _MISSING:
            if seen_default:
                raise TypeError(f"non-default argument {f.name!r} follows default argument")
        else:
            seen_default = True
    qualname = cls.__qualname__

    def install(name: str, fn: Callable[..., Any]) -> None:
        fn.__qualname__ = f"{qualname}.{name}"
        fn.__module__ = cls.__module__
        setattr(cls, name, fn)

    install("__init__", _init(cls, fields, params, frozen))
    install("__repr__", _repr(tuple(f.name for f in fields if f.repr)))
    install("__eq__", _eq(_key(tuple(f.name for f in fields if f.compare))))
    if frozen:
        install("__hash__", _hash(_key(tuple(f.name for f in fields if (f.compare if f.hash is None else f.hash)))))
        names = frozenset(f.name for f in fields)
        install("__setattr__", _frozen_setattr(cls, names))
        install("__delattr__", _frozen_delattr(cls, names))
    else:
        cls.__hash__ = None  # type: ignore[assignment]
    cls.__signature__ = _Signature()  # type: ignore[attr-defined]
    if docless:
        cls.__doc__ = cls.__name__ + "(" + ", ".join(_doc_param(f) for f in params) + ")"
    return cls


def _doc_param(f: dataclasses.Field[Any]) -> str:
    """A parameter as `dataclasses` shows it in the docstring it writes for a class that has none."""
    text = f"{f.name}: {inspect.formatannotation(f.type)}"
    if f.default_factory is not _MISSING:
        return text + " = <factory>"
    return text if f.default is _MISSING else f"{text} = {f.default!r}"


class _Signature:
    """`inspect.signature` of a record class: the parameters of the __init__ dataclasses would write."""

    def __get__(self, obj: object, owner: type) -> inspect.Signature | None:
        init = owner.__dict__.get("__init__")
        if obj is not None or init is None or getattr(init, "_record", False) is not True:
            return None  # an instance, or a subclass with an __init__ of its own: inspect's own way
        out = []
        for f in dataclasses.fields(owner):
            if not f.init:
                continue
            default = f.default if f.default_factory is _MISSING else _FactoryRepr()
            out.append(inspect.Parameter(f.name, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                         default=inspect.Parameter.empty if default is _MISSING else default,
                                         annotation=f.type))
        return inspect.Signature(out, return_annotation=None)


def _key(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The tuple of these attributes of an object (as `(self.a, self.b,)` in dataclasses' code)."""
    if len(names) >= 2:
        return attrgetter(*names)
    if len(names) == 1:
        get = attrgetter(names[0])
        return lambda obj: (get(obj),)
    return lambda obj: ()


def _init(cls: type, fields: tuple[dataclasses.Field[Any], ...], params: list[dataclasses.Field[Any]],
          frozen: bool) -> Callable[..., None]:
    names = tuple(f.name for f in params)
    count = len(names)
    positions = {name: i for i, name in enumerate(names)}
    required = sum(1 for f in params if f.default is _MISSING and f.default_factory is _MISSING)
    defaults = tuple(_FACTORY if f.default_factory is not _MISSING else f.default for f in params[required:])
    factories: dict[str, Any] = {  # name -> its default factory
        f.name: f.default_factory for f in fields if f.default_factory is not _MISSING}
    # What __init__ sets, in order: the parameters, and the fields outside __init__ made by a factory
    assigned = tuple(f.name for f in fields if f.init or f.default_factory is not _MISSING)
    simple = assigned == names and _FACTORY not in defaults
    # Setting __dict__ at once is what object.__setattr__ does field by field, unless a field is a descriptor
    direct = not any(_descriptor(cls, name) for name in assigned)
    post_init = hasattr(cls, "__post_init__")

    def bind(self: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
        """Every value __init__ sets, in the order of `assigned`."""
        given = len(args)
        if given <= count:
            values = list(args)
            taken = 0
            for i in range(given, count):
                value = kwargs.get(names[i], _ABSENT)
                if value is not _ABSENT:
                    taken += 1
                elif i >= required:
                    value = defaults[i - required]  # _FACTORY for a default factory's, called below
                else:
                    break  # a required argument missing
                values.append(value)
            else:
                if taken == len(kwargs):
                    if factories:
                        values = [factories[names[i]]() if v is _FACTORY else v for i, v in enumerate(values)]
                    if assigned == names:
                        return tuple(values)
                    by_name = dict(zip(names, values, strict=True))
                    return tuple(by_name[name] if name in by_name else factories[name]() for name in assigned)
        refuse(args, kwargs)
        raise AssertionError("refuse() raises")  # pragma: no cover

    def refuse(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        """Raise the TypeError Python gives for this bad call of a function with these parameters."""
        given = len(args)
        values = list(args[:count]) + [_ABSENT] * (count - given)
        where = __init__.__qualname__  # as Python names the function called, whatever the instance
        for key, value in kwargs.items():
            i = positions.get(key)
            if i is None:
                if key == "self":
                    raise TypeError(f"{where}() got multiple values for argument 'self'")
                raise TypeError(f"{where}() got an unexpected keyword argument '{key}'")
            if values[i] is not _ABSENT:
                raise TypeError(f"{where}() got multiple values for argument '{key}'")
            values[i] = value
        if given > count:
            takes = f"from {required + 1} to {count + 1}" if defaults else f"{count + 1}"
            plural = "" if not defaults and count == 0 else "s"
            raise TypeError(f"{where}() takes {takes} positional argument{plural} but {given + 1} were given")
        missing = [repr(names[i]) for i in range(required) if values[i] is _ABSENT]
        listed = missing[0] if len(missing) == 1 else \
            " and ".join(missing) if len(missing) == 2 else ", ".join(missing[:-1]) + ", and " + missing[-1]
        raise TypeError(f"{where}() missing {len(missing)} required positional argument"
                        f"{'s' if len(missing) > 1 else ''}: {listed}")

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if kwargs or len(args) != count:
            if not kwargs and required <= len(args) < count and simple:
                args += defaults[len(args) - required:]
            else:
                args = bind(self, args, kwargs)
        elif not simple:
            args = bind(self, args, kwargs)
        if direct and self.__class__ is cls:
            fields_set = self.__dict__  # one item at a time: quicker than update(zip(...)) for a few fields
            for name, value in zip(assigned, args, strict=False):  # as long as each other (bind, defaults)
                fields_set[name] = value
        elif frozen:  # dataclasses' frozen __init__ sets fields with object.__setattr__, the other one with setattr
            for name, value in zip(assigned, args, strict=False):
                _setattr(self, name, value)
        else:
            for name, value in zip(assigned, args, strict=False):
                setattr(self, name, value)
        if post_init:
            self.__post_init__()

    __init__._record = True  # type: ignore[attr-defined]
    return __init__


def _descriptor(cls: type, name: str) -> bool:
    """Whether the class attribute `name` is a data descriptor (a property, a slot), which setting __dict__ skips."""
    for klass in cls.__mro__:
        if name in klass.__dict__:
            return hasattr(type(klass.__dict__[name]), "__set__")
    return False


def _repr(names: tuple[str, ...]) -> Callable[[Any], str]:
    running: set[tuple[int, int]] = set()

    def __repr__(self: Any) -> str:
        key = id(self), get_ident()
        if key in running:
            return "..."
        running.add(key)
        try:
            name: str = self.__class__.__qualname__
            return name + "(" + ", ".join(
                [f"{name}={getattr(self, name)!r}" for name in names]) + ")"
        finally:
            running.discard(key)

    return __repr__


def _eq(key: Callable[[Any], tuple[Any, ...]]) -> Callable[[Any, Any], Any]:
    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return key(self) == key(other)
        return NotImplemented

    return __eq__


def _hash(key: Callable[[Any], tuple[Any, ...]]) -> Callable[[Any], int]:
    def __hash__(self: Any) -> int:
        return hash(key(self))

    return __hash__


def _frozen_setattr(cls: type[Any], names: frozenset[str]) -> Callable[[Any, str, Any], None]:
    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    return __setattr__


def _frozen_delattr(cls: type[Any], names: frozenset[str]) -> Callable[[Any, str], None]:
    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    return __delattr__
