"""Records: value classes made as `@dataclass` makes them, without compiling code or importing dataclasses.

`@dataclass` writes the source of `__init__`, `__repr__`, `__eq__`, `__hash__`, `__setattr__` and
`__delattr__` for every class and `exec`s it: about half a millisecond a class, tens of milliseconds for the
classes a command defines before it can start; and importing dataclasses brings inspect, ast, dis and
tokenize (several milliseconds more). `@record` reads the fields from the class's annotations as dataclasses
does, then installs methods shared by every record, closed over the class's field names. A record behaves
as `@dataclass(frozen=True)` would: the same equality, hash, repr, frozen errors, TypeErrors for a bad call,
pickling, copying, `match` and `__match_args__`, docstring and signature. `dataclasses.fields`, `replace`,
`asdict` and `is_dataclass` work on records too: the `__dataclass_fields__` they read is made (importing
dataclasses) when first asked. Code on an evaluation's way uses this module's `field`, `fields` and
`replace`, which never import dataclasses.

    @record
    class Payment:
        amount: int
        note: str = field(default="", compare=False)

`@mutable_record` is `@dataclass` (not frozen; unhashable, as `@dataclass` with `eq=True` makes it).

Supported: defaults, `field(default=..., default_factory=..., init=..., repr=..., compare=..., hash=...)`
(this module's or dataclasses'), `ClassVar`, `__post_init__` (without `InitVar`s), inheritance from other
records. Refused with a TypeError when the class is made: `InitVar`, keyword-only fields, `__slots__`, and a
class that writes its own `__init__`, `__repr__`, `__eq__`, `__hash__`, `__setattr__` or `__delattr__` (use
`@dataclass` for those). A record's `__dataclass_params__` says what dataclasses itself would have made (no
__init__, not frozen), so records and frozen dataclasses do not inherit from each other (dataclasses
refuses it).
"""

from __future__ import annotations

from _thread import get_ident
from operator import attrgetter

TYPE_CHECKING = False  # typing costs its import at run time; mypy takes any name TYPE_CHECKING as true
if TYPE_CHECKING:
    from collections.abc import Callable
    from dataclasses import Field
    from dataclasses import field as field  # what mypy is shown: records.field is dataclasses.field to it
    from typing import Any, TypeVar, dataclass_transform

    _T = TypeVar("_T")
else:
    def dataclass_transform(**_: object) -> Callable[[_T], _T]:
        return lambda function: function


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


_MISSING: Any = _Missing()  # no default (dataclasses.MISSING, without importing dataclasses)
_FACTORY = object()  # stands for a default made by a factory, in a class's tuple of defaults
_ABSENT = object()  # an argument not given
_OWN = ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__", "__slots__")
_setattr = object.__setattr__


class _Field:
    """A field of a record: what `dataclasses.Field` says of it, as `field()` gives it and the class makes it."""

    __slots__ = ("name", "type", "default", "default_factory", "init", "repr", "hash", "compare", "metadata",
                 "kw_only", "classvar")

    def __init__(self, default: Any, default_factory: Any, init: bool, repr: bool, hash: bool | None,
                 compare: bool, metadata: Any, kw_only: Any) -> None:
        if default is not _MISSING and default_factory is not _MISSING:
            raise ValueError("cannot specify both default and default_factory")
        self.name: str = ""
        self.type: Any = None
        self.default, self.default_factory, self.init, self.repr = default, default_factory, init, repr
        self.hash, self.compare, self.metadata, self.kw_only = hash, compare, metadata, kw_only
        self.classvar = False


if not TYPE_CHECKING:
    Field = _Field

    def field(*, default: Any = _MISSING, default_factory: Any = _MISSING, init: bool = True, repr: bool = True,
              hash: bool | None = None, compare: bool = True, metadata: Any = None, kw_only: Any = _MISSING) -> Any:
        """`dataclasses.field`, for records (mypy is shown dataclasses' own, whose signature this is)."""
        return _Field(default, default_factory, init, repr, hash, compare, metadata, kw_only)


class _FactoryRepr:
    def __repr__(self) -> str:
        return "<factory>"  # as `dataclasses` shows a default factory in a signature


@dataclass_transform(frozen_default=True, field_specifiers=(field, Field))
def record(cls: type[_T]) -> type[_T]:
    """A frozen dataclass, `@dataclass(frozen=True)`, made without compiling code."""
    return _make(cls, frozen=True)


@dataclass_transform(field_specifiers=(field, Field))
def mutable_record(cls: type[_T]) -> type[_T]:
    """A dataclass, `@dataclass`, made without compiling code."""
    return _make(cls, frozen=False)


def fields(class_or_record: Any) -> tuple[_Field, ...]:
    """A record's fields, in order (as `dataclasses.fields`, without importing dataclasses)."""
    found: dict[str, _Field] | None = getattr(class_or_record, "__record_fields__", None)
    if found is None:
        raise TypeError(f"{class_or_record!r} is not a record")
    return tuple(f for f in found.values() if not f.classvar)


def is_record(value: Any) -> bool:
    """Whether this is a record class or a record."""
    return hasattr(value, "__record_fields__")


def replace(obj: _T, /, **changes: Any) -> _T:
    """`dataclasses.replace`, for records without importing dataclasses (and for dataclasses by it)."""
    found: dict[str, _Field] | None = getattr(type(obj), "__record_fields__", None)
    if found is None:
        import dataclasses

        return dataclasses.replace(obj, **changes)  # type: ignore[type-var]
    for f in found.values():
        if f.classvar:
            continue
        if not f.init:
            if f.name in changes:
                raise ValueError(f"field {f.name} is declared with init=False, it cannot be specified with replace()")
        elif f.name not in changes:
            changes[f.name] = getattr(obj, f.name)
    return obj.__class__(**changes)


def _make(cls: type[_T], frozen: bool) -> type[_T]:
    for name in _OWN:
        if name in cls.__dict__:
            raise TypeError(f"record {cls.__qualname__} defines {name}: make it a @dataclass instead")
    every = _collect(cls)
    fields = tuple(f for f in every.values() if not f.classvar)
    params = [f for f in fields if f.init]
    seen_default = False
    for f in params:
        if f.default is _MISSING and f.default_factory is _MISSING:
            if seen_default:
                raise TypeError(f"non-default argument {f.name!r} follows default argument")
        else:
            seen_default = True
    cls.__record_fields__ = every  # type: ignore[attr-defined]
    cls.__dataclass_fields__ = _DATACLASS_FIELDS  # type: ignore[attr-defined]
    cls.__dataclass_params__ = _DATACLASS_PARAMS  # type: ignore[attr-defined]
    if "__match_args__" not in cls.__dict__:
        cls.__match_args__ = tuple(f.name for f in params)  # type: ignore[attr-defined,misc]
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
    cls.__signature__ = _SIGNATURE  # type: ignore[attr-defined]
    if not cls.__dict__.get("__doc__"):
        cls.__doc__ = _DOC  # type: ignore[assignment]
    _abstract(cls)
    return cls


def _collect(cls: type) -> dict[str, _Field]:
    """The class's fields, its bases' first, as dataclasses finds them (ClassVars included, marked)."""
    every: dict[str, _Field] = {}
    for base in cls.__mro__[-1:0:-1]:
        if "__record_fields__" in base.__dict__:
            every.update(base.__dict__["__record_fields__"])
        elif "__dataclass_fields__" in base.__dict__:  # a base made by @dataclass
            if base.__dict__["__dataclass_params__"].frozen:
                raise TypeError("cannot inherit non-frozen dataclass from a frozen one")
            every.update((name, _converted(f)) for name, f in base.__dict__["__dataclass_fields__"].items())
    own = cls.__dict__.get("__annotations__", {})
    for name, value in cls.__dict__.items():
        if _is_field(value) and name not in own:
            raise TypeError(f"{name!r} is a field but has no type annotation")
    for name, annotation in own.items():
        every[name] = _own_field(cls, name, annotation)
    return every


def _is_field(value: Any) -> bool:
    kind = type(value)
    return kind is _Field or (kind.__name__ == "Field" and kind.__module__ == "dataclasses")


def _converted(real: Any) -> _Field:
    """A `dataclasses.Field` as a record's field."""
    import dataclasses

    def ours(value: Any) -> Any:
        return _MISSING if value is dataclasses.MISSING else value

    f = _Field(ours(real.default), ours(real.default_factory), real.init, real.repr, real.hash, real.compare,
               real.metadata, ours(real.kw_only))
    f.name, f.type = real.name, real.type
    f.classvar = real._field_type is dataclasses._FIELD_CLASSVAR  # type: ignore[attr-defined]
    if real._field_type is dataclasses._FIELD_INITVAR:  # type: ignore[attr-defined]
        raise TypeError(f"record field {real.name}: InitVar fields are not supported; make it a @dataclass")
    return f


def _own_field(cls: type, name: str, annotation: Any) -> _Field:
    """The field a class's own annotation makes (dataclasses' _get_field), setting the class attribute as it does."""
    kind = _kind(annotation)
    if kind == "InitVar":
        raise TypeError(f"record {cls.__qualname__}: InitVar fields are not supported; make it a @dataclass")
    if kind == "KW_ONLY":
        raise TypeError(f"record {cls.__qualname__}: keyword-only fields are not supported; make it a @dataclass")
    value = cls.__dict__.get(name, _MISSING)
    if type(value) is _Field:
        f = value
    elif _is_field(value):
        f = _converted(value)
    else:
        f = _Field(value, _MISSING, True, True, None, True, None, _MISSING)
    f.name, f.type = name, annotation
    if kind == "ClassVar":
        if f.default_factory is not _MISSING:
            raise TypeError(f"field {name} cannot have a default factory")
        f.classvar = True
        return f
    if f.kw_only is True:
        raise TypeError(f"record {cls.__qualname__}: keyword-only fields are not supported; make it a @dataclass")
    f.kw_only = False
    if _is_field(value):  # the class attribute becomes the default, or goes
        if f.default is _MISSING:
            delattr(cls, name)
        else:
            setattr(cls, name, f.default)
    if f.default is not _MISSING and f.default.__class__.__hash__ is None:
        raise ValueError(f"mutable default {type(f.default)} for field {name} is not allowed: use default_factory")
    return f


def _kind(annotation: Any) -> str:
    """"ClassVar", "InitVar", "KW_ONLY" or "" for a field's annotation (a string under postponed annotations)."""
    if isinstance(annotation, str):
        head = annotation.split("[", 1)[0].strip().rsplit(".", 1)[-1]
        return head if head in ("ClassVar", "InitVar", "KW_ONLY") else ""
    named = getattr(annotation, "__origin__", annotation)
    kind = getattr(named, "_name", None) or getattr(type(annotation), "__name__", "")
    if kind in ("ClassVar", "InitVar"):
        return str(kind)
    return "KW_ONLY" if getattr(annotation, "__name__", "") == "KW_ONLY" else ""


def _abstract(cls: type) -> None:
    """Recount a class's abstract methods now that it has its own, as dataclasses does."""
    if hasattr(cls, "__abstractmethods__"):
        import abc

        abc.update_abstractmethods(cls)


def _defining(owner: type) -> type:
    """The record class whose attribute is asked, through `owner` (itself, or a plain class made from it)."""
    return next(klass for klass in owner.__mro__ if "__record_fields__" in klass.__dict__)


class _Dataclass:
    """A record class's `__dataclass_fields__` or `__dataclass_params__`, made from dataclasses when first asked
    (then kept on the class in its place).

    So `dataclasses.fields`, `replace`, `asdict` and `is_dataclass` work on records, and a `@dataclass` may
    inherit from one, while an evaluation that never asks never imports dataclasses.
    """

    def __init__(self, what: str) -> None:
        self.what = what

    def __get__(self, obj: object, owner: type) -> Any:
        cls = _defining(owner)
        made = _real_fields(cls) if self.what == "fields" else _params()
        type.__setattr__(cls, f"__dataclass_{self.what}__", made)
        return made


class _Doc:
    """A record class's docstring when it has none of its own, as dataclasses writes it: worked out when asked."""

    def __get__(self, obj: object, owner: type) -> str:
        cls = _defining(owner)
        params = [f for f in fields(cls) if f.init]
        text = cls.__name__ + "(" + ", ".join(_doc_param(f) for f in params) + ")"
        type.__setattr__(cls, "__doc__", text)
        return text


def _real_fields(cls: type) -> dict[str, Any]:
    import dataclasses

    out = {}
    for name, f in cls.__dict__["__record_fields__"].items():
        def real(value: Any) -> Any:
            return dataclasses.MISSING if value is _MISSING else value

        made = dataclasses.field(default=real(f.default), default_factory=real(f.default_factory), init=f.init,
                                 repr=f.repr, hash=f.hash, compare=f.compare, metadata=f.metadata,
                                 kw_only=real(f.kw_only))
        made.name, made.type = name, f.type
        made._field_type = dataclasses._FIELD_CLASSVAR if f.classvar else dataclasses._FIELD  # type: ignore[attr-defined]
        out[name] = made
    return out


_PARAMS: list[Any] = []


def _params() -> Any:
    """What `@dataclass(init=False, repr=False, eq=False)` records of a class: what dataclasses made of a record."""
    if not _PARAMS:
        import dataclasses

        probe: Any = dataclasses.dataclass(type("probe", (), {"__doc__": "-"}), init=False, repr=False, eq=False)
        _PARAMS.append(probe.__dataclass_params__)
    return _PARAMS[0]


def _doc_param(f: _Field) -> str:
    """A parameter as `dataclasses` shows it in the docstring it writes for a class that has none."""
    text = f"{f.name}: {_annotation(f.type)}"
    if f.default_factory is not _MISSING:
        return text + " = <factory>"
    return text if f.default is _MISSING else f"{text} = {f.default!r}"


def _annotation(annotation: Any) -> str:
    if isinstance(annotation, str):
        return repr(annotation)  # as inspect.formatannotation shows a string
    import inspect

    return inspect.formatannotation(annotation)


class _Signature:
    """`inspect.signature` of a record class: the parameters of the __init__ dataclasses would write."""

    def __get__(self, obj: object, owner: type) -> Any:
        init = owner.__dict__.get("__init__")
        if obj is not None or init is None or getattr(init, "_record", False) is not True:
            return None  # an instance, or a subclass with an __init__ of its own: inspect's own way
        import inspect

        out = []
        for f in fields(owner):
            if not f.init:
                continue
            default = f.default if f.default_factory is _MISSING else _FactoryRepr()
            out.append(inspect.Parameter(f.name, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                         default=inspect.Parameter.empty if default is _MISSING else default,
                                         annotation=f.type))
        return inspect.Signature(out, return_annotation=None)


_DATACLASS_FIELDS, _DATACLASS_PARAMS = _Dataclass("fields"), _Dataclass("params")
_DOC, _SIGNATURE = _Doc(), _Signature()


def _key(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The tuple of these attributes of an object (as `(self.a, self.b,)` in dataclasses' code)."""
    if len(names) >= 2:
        return attrgetter(*names)
    if len(names) == 1:
        get = attrgetter(names[0])
        return lambda obj: (get(obj),)
    return lambda obj: ()


def _init(cls: type, fields: tuple[_Field, ...], params: list[_Field], frozen: bool) -> Callable[..., None]:
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
            from dataclasses import FrozenInstanceError

            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    return __setattr__


def _frozen_delattr(cls: type[Any], names: frozenset[str]) -> Callable[[Any, str], None]:
    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            from dataclasses import FrozenInstanceError

            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    return __delattr__
