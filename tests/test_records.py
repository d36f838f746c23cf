"""Records (evaluator/records.py) behave as the dataclasses they stand for.

Every shape below is written twice: in `R` with `@record` / `@mutable_record`, in `D` with `@dataclass`. The
tests call both the same way and expect the same answers, which are also written out by hand.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
from dataclasses import FrozenInstanceError, dataclass, field
from typing import Any, ClassVar

import pytest
from clausewise import records
from clausewise.records import mutable_record, record


class R:
    @record
    class Point:
        x: int
        y: int

    @record
    class Base:
        span: int = field(compare=False, repr=False)

    @record
    class Sale(Base):
        """A sale: what is sold, in what unit."""

        amount: int
        unit: str | None
        grouped: bool = field(default=False, compare=False)
        notes: tuple[str, ...] = field(default_factory=tuple)
        kind: ClassVar[str] = "sale"

    @record
    class Refund(Sale):
        reason: str = ""

    @record
    class Single:
        value: int

    @record
    class Nothing:
        pass

    @record
    class Window:
        members: tuple[str, ...]
        names: tuple[str, ...] = field(init=False, repr=False, compare=False)
        count: int = field(default=0, hash=False)

        def __post_init__(self) -> None:
            object.__setattr__(self, "names", tuple(m.upper() for m in self.members))

    @mutable_record
    class Ledger:
        name: str
        rows: list[int] = field(default_factory=list)
        seen: dict[str, int] = field(default_factory=dict, repr=False, compare=False)


class D:
    @dataclass(frozen=True)
    class Point:
        x: int
        y: int

    @dataclass(frozen=True)
    class Base:
        span: int = field(compare=False, repr=False)

    @dataclass(frozen=True)
    class Sale(Base):
        """A sale: what is sold, in what unit."""

        amount: int
        unit: str | None
        grouped: bool = field(default=False, compare=False)
        notes: tuple[str, ...] = field(default_factory=tuple)
        kind: ClassVar[str] = "sale"

    @dataclass(frozen=True)
    class Refund(Sale):
        reason: str = ""

    @dataclass(frozen=True)
    class Single:
        value: int

    @dataclass(frozen=True)
    class Nothing:
        pass

    @dataclass(frozen=True)
    class Window:
        members: tuple[str, ...]
        names: tuple[str, ...] = field(init=False, repr=False, compare=False)
        count: int = field(default=0, hash=False)

        def __post_init__(self) -> None:
            object.__setattr__(self, "names", tuple(m.upper() for m in self.members))

    @dataclass
    class Ledger:
        name: str
        rows: list[int] = field(default_factory=list)
        seen: dict[str, int] = field(default_factory=dict, repr=False, compare=False)


def both(name: str, *args: Any, **kwargs: Any) -> tuple[Any, Any]:
    return getattr(R, name)(*args, **kwargs), getattr(D, name)(*args, **kwargs)


def same_repr(r: Any, d: Any) -> str:
    """The record's repr, checked against the dataclass's (whose class is D.<name>, not R.<name>)."""
    assert repr(r).replace("R.", "D.", 1) == repr(d)
    return repr(r)


def test_repr_leaves_out_repr_false_fields_and_names_the_nested_class() -> None:
    # Sale(span=7, amount=100, unit="USD"): span is repr=False; grouped and notes take their defaults
    assert same_repr(*both("Sale", 7, 100, "USD")) == "R.Sale(amount=100, unit='USD', grouped=False, notes=())"
    assert same_repr(*both("Refund", 7, 100, None, True, ("late",), "damaged")) == \
        "R.Refund(amount=100, unit=None, grouped=True, notes=('late',), reason='damaged')"
    assert same_repr(*both("Nothing")) == "R.Nothing()"
    assert same_repr(*both("Window", ("a", "b"))) == "R.Window(members=('a', 'b'), count=0)"
    assert same_repr(*both("Ledger", "cash", [1, 2])) == "R.Ledger(name='cash', rows=[1, 2])"


def test_a_record_that_holds_itself_is_shown_with_dots() -> None:
    r, d = both("Ledger", "loop")
    r.rows.append(r)  # type: ignore[arg-type]
    d.rows.append(d)
    assert same_repr(r, d) == "R.Ledger(name='loop', rows=[...])"


def test_equality_and_hash_use_the_compare_fields_only() -> None:
    for cls in (R, D):
        # span (compare=False) and grouped (compare=False) differ; amount, unit, notes are equal
        a, b = cls.Sale(1, 100, "USD", False), cls.Sale(2, 100, "USD", True)
        assert a == b and hash(a) == hash(b) == hash((100, "USD", ()))
        assert a != cls.Sale(1, 101, "USD")  # amount 100 against 101
        assert cls.Point(1, 2) != cls.Point(2, 1) and hash(cls.Point(1, 2)) == hash((1, 2))
        assert hash(cls.Single(5)) == hash((5,)) and hash(cls.Nothing()) == hash(())
        assert cls.Nothing() == cls.Nothing()
        # count is compared but not hashed (hash=False): hash of the members only
        assert hash(cls.Window(("a",), 3)) == hash((("a",),)) and cls.Window(("a",), 3) != cls.Window(("a",), 4)
    # another class is never equal, even a subclass with the same values: __eq__ gives NotImplemented
    assert R.Sale(1, 100, "USD") != R.Refund(1, 100, "USD")
    assert R.Sale(1, 100, "USD").__eq__(D.Sale(1, 100, "USD")) is NotImplemented
    assert R.Ledger("a") == R.Ledger("a", [], {"x": 1})  # seen is compare=False
    with pytest.raises(TypeError, match="unhashable type: 'Ledger'"):
        hash(R.Ledger("a"))


def test_frozen_records_refuse_assignment_and_deletion_as_dataclasses_do() -> None:
    for cls in (R, D):
        sale = cls.Sale(1, 100, "USD")
        with pytest.raises(FrozenInstanceError, match="^cannot assign to field 'amount'$"):
            sale.amount = 5
        with pytest.raises(FrozenInstanceError, match="^cannot assign to field 'other'$"):
            sale.other = 5
        with pytest.raises(FrozenInstanceError, match="^cannot delete field 'unit'$"):
            del sale.unit
        ledger = cls.Ledger("cash")
        ledger.name = "bank"
        assert ledger.name == "bank"


CALLS: list[tuple[str, tuple[Any, ...], dict[str, Any], str]] = [
    # Sale's parameters: span, amount, unit (required), grouped, notes (defaults): 4 to 6 with self
    ("Sale", (), {}, "Sale.__init__() missing 3 required positional arguments: 'span', 'amount', and 'unit'"),
    ("Sale", (1,), {}, "Sale.__init__() missing 2 required positional arguments: 'amount' and 'unit'"),
    ("Sale", (1, 2), {}, "Sale.__init__() missing 1 required positional argument: 'unit'"),
    ("Sale", (1, 2, 3, 4, 5, 6), {}, "Sale.__init__() takes from 4 to 6 positional arguments but 7 were given"),
    ("Sale", (1, 2, 3), {"colour": 1}, "Sale.__init__() got an unexpected keyword argument 'colour'"),
    ("Sale", (1, 2, 3), {"amount": 1}, "Sale.__init__() got multiple values for argument 'amount'"),
    ("Sale", (1, 2, 3), {"self": 1}, "Sale.__init__() got multiple values for argument 'self'"),
    ("Sale", (1, 2, 3), {"names": 1}, "Sale.__init__() got an unexpected keyword argument 'names'"),
    # Point: x, y, no defaults: 3 with self
    ("Point", (1, 2, 3), {}, "Point.__init__() takes 3 positional arguments but 4 were given"),
    ("Nothing", (1,), {}, "Nothing.__init__() takes 1 positional argument but 2 were given"),
    # an init=False field is not a parameter
    ("Window", ((), 1), {"names": ()}, "Window.__init__() got an unexpected keyword argument 'names'"),
    # too many positional arguments are reported after the keywords' errors
    ("Point", (1, 2, 3), {"z": 1}, "Point.__init__() got an unexpected keyword argument 'z'"),
    ("Point", (1, 2, 3), {"x": 1}, "Point.__init__() got multiple values for argument 'x'"),
    ("Ledger", (), {"rows": []}, "Ledger.__init__() missing 1 required positional argument: 'name'"),
]


@pytest.mark.parametrize(("name", "args", "kwargs", "message"), CALLS)
def test_a_bad_call_gets_the_type_error_a_dataclass_gives(
        name: str, args: tuple[Any, ...], kwargs: dict[str, Any], message: str) -> None:
    errors = []
    for cls in (R, D):
        with pytest.raises(TypeError) as info:
            getattr(cls, name)(*args, **kwargs)
        errors.append(str(info.value))
    assert errors == [f"R.{message}", f"D.{message}"]  # the classes are R.<name> and D.<name>


def test_a_subclass_reports_the_init_it_runs() -> None:
    class Plain(R.Point):  # not a record: it runs Point's __init__, as Python names it
        pass

    with pytest.raises(TypeError, match=r"^R\.Point\.__init__\(\) missing 1 required positional argument: 'y'$"):
        Plain(1)


def test_arguments_by_keyword_defaults_and_factories() -> None:
    for cls in (R, D):
        sale = cls.Sale(unit="USD", span=3, amount=10, notes=("a",))
        assert (sale.span, sale.amount, sale.unit, sale.grouped, sale.notes) == (3, 10, "USD", False, ("a",))
        assert vars(sale) == {"span": 3, "amount": 10, "unit": "USD", "grouped": False, "notes": ("a",)}
        assert list(vars(sale)) == ["span", "amount", "unit", "grouped", "notes"]  # set in field order
        assert cls.Refund(1, 2, 3, reason="x").reason == "x" and cls.Refund(1, 2, 3).reason == ""
        # a factory makes a new value each time
        a, b = cls.Ledger("a"), cls.Ledger("b")
        assert a.rows == [] and a.rows is not b.rows and a.seen == {} and a.seen is not b.seen
        # __post_init__ runs; an init=False field's value is what it sets
        window = cls.Window(("q", "r"))
        assert (window.members, window.names, window.count) == (("q", "r"), ("Q", "R"), 0)
        assert list(vars(window)) == ["members", "count", "names"]  # count by __init__, names by __post_init__
        assert cls.Sale.kind == "sale" and "kind" not in cls.Sale.__dataclass_fields__.keys() - {"kind"}


def test_the_dataclasses_functions_work_on_records() -> None:
    r, d = both("Refund", 7, 100, "USD", True, ("late",), "damaged")
    assert dataclasses.is_dataclass(r) and dataclasses.is_dataclass(R.Refund)
    assert [f.name for f in dataclasses.fields(r)] == [f.name for f in dataclasses.fields(d)] == \
        ["span", "amount", "unit", "grouped", "notes", "reason"]
    expected = {"span": 7, "amount": 100, "unit": "USD", "grouped": True, "notes": ("late",), "reason": "damaged"}
    assert dataclasses.asdict(r) == dataclasses.asdict(d) == expected
    assert dataclasses.astuple(r) == (7, 100, "USD", True, ("late",), "damaged")
    changed = dataclasses.replace(r, amount=5)
    assert type(changed) is R.Refund and same_repr(changed, dataclasses.replace(d, amount=5)) == \
        "R.Refund(amount=5, unit='USD', grouped=True, notes=('late',), reason='damaged')"
    window = dataclasses.replace(R.Window(("a",)), members=("b",))
    assert window.names == ("B",)
    assert R.Refund.__match_args__ == D.Refund.__match_args__ == \
        ("span", "amount", "unit", "grouped", "notes", "reason")
    assert R.Window.__match_args__ == ("members", "count")
    match r:
        case R.Sale(_, amount, unit):
            assert (amount, unit) == (100, "USD")
        case _:
            pytest.fail("a Refund is a Sale")
    assert isinstance(r, R.Sale) and isinstance(r, R.Base) and not isinstance(R.Sale(1, 2, 3), R.Refund)


def test_docs_and_signatures_are_those_dataclasses_write() -> None:
    for name in ("Point", "Base", "Sale", "Refund", "Single", "Nothing", "Window", "Ledger"):
        r, d = getattr(R, name), getattr(D, name)
        assert r.__doc__ == d.__doc__, name
        assert str(inspect.signature(r)) == str(inspect.signature(d)), name
    # the annotations are strings here (from __future__ import annotations), shown as inspect shows them
    assert R.Sale.__doc__ == "A sale: what is sold, in what unit."  # a docstring is kept, and not inherited:
    assert R.Refund.__doc__ == "Refund(span: 'int', amount: 'int', unit: 'str | None', grouped: 'bool' = False, " \
        "notes: 'tuple[str, ...]' = <factory>, reason: 'str' = '')"
    assert R.Window.__doc__ == "Window(members: 'tuple[str, ...]', count: 'int' = 0)"
    assert R.Ledger.__doc__ == "Ledger(name: 'str', rows: 'list[int]' = <factory>, " \
        "seen: 'dict[str, int]' = <factory>)"
    assert R.Sale.__init__.__qualname__ == "R.Sale.__init__"


def test_records_survive_pickle_copy_and_deepcopy() -> None:
    sale = R.Refund(7, 100, "USD", True, ("late",), "damaged")
    for twin in (pickle.loads(pickle.dumps(sale)), copy.copy(sale), copy.deepcopy(sale)):
        assert type(twin) is R.Refund and twin == sale and twin.span == 7 and twin.grouped is True
    window = pickle.loads(pickle.dumps(R.Window(("a",))))
    assert window.names == ("A",)
    ledger = copy.deepcopy(R.Ledger("cash", [1]))
    ledger.rows.append(2)
    assert ledger == R.Ledger("cash", [1, 2])


def test_what_records_do_not_support_is_refused_when_the_class_is_made() -> None:
    with pytest.raises(TypeError, match="^non-default argument 'b' follows default argument$"):
        @record
        class Late:
            a: int = 0
            b: int

    with pytest.raises(TypeError, match="^record .*Own defines __eq__: make it a @dataclass instead$"):
        @record
        class Own:
            a: int

            def __eq__(self, other: object) -> bool:
                return True

    with pytest.raises(TypeError, match="InitVar fields are not supported"):
        @record
        class Init:
            a: dataclasses.InitVar[int]

    with pytest.raises(TypeError, match="keyword-only fields are not supported"):
        @record
        class Keywords:
            a: int = field(kw_only=True)

    with pytest.raises(TypeError, match="defines __slots__"):
        @record
        class Slotted:
            __slots__ = ("a",)
            a: int


def test_the_classes_on_the_way_to_an_evaluation_compile_no_code() -> None:
    # `@dataclass` execs the source it writes: its methods' code comes from "<string>". A record's comes from
    # records.py. These modules' classes are all records (44 of them are the syntax tree's nodes).
    import importlib

    names = ("nodes", "program", "result", "plan", "narrative", "reasons", "compare", "units", "builtins",
             "neighbours", "clauses", "contract", "errors", "limits", "formatting", "calendars", "cells", "cost",
             "params", "checker", "ledger", "trace", "amendments")
    made: dict[str, list[str]] = {}
    for name in names:
        module = importlib.import_module(f"clausewise.{name}")
        for cls in vars(module).values():
            if isinstance(cls, type) and cls.__module__ == module.__name__ and dataclasses.is_dataclass(cls):
                where = cls.__init__.__code__.co_filename
                made.setdefault("records.py" if where.endswith("records.py") else where, []).append(cls.__name__)
    assert list(made) == ["records.py"], {k: v for k, v in made.items() if k != "records.py"}
    assert len([c for c in made["records.py"] if c in vars(importlib.import_module("clausewise.nodes"))]) >= 44


def test_records_own_field_fields_and_replace_are_dataclasses_without_importing_them() -> None:
    @record
    class Own:  # records.field, as the modules on an evaluation's way write it
        amount: int
        grouped: bool = records.field(default=False, compare=False)
        notes: tuple[str, ...] = records.field(default_factory=tuple, repr=False)
        names: tuple[str, ...] = records.field(init=False, repr=False, compare=False)

        def __post_init__(self) -> None:
            object.__setattr__(self, "names", self.notes + ("own",))

    @dataclass(frozen=True)
    class Real:
        amount: int
        grouped: bool = field(default=False, compare=False)
        notes: tuple[str, ...] = field(default_factory=tuple, repr=False)
        names: tuple[str, ...] = field(init=False, repr=False, compare=False)

        def __post_init__(self) -> None:
            object.__setattr__(self, "names", self.notes + ("own",))

    own, real = Own(5, True, ("a",)), Real(5, True, ("a",))
    assert repr(own).replace("Own", "Real") == repr(real) and own.names == real.names == ("a", "own")
    assert own == Own(5, False, ("a",)) and hash(own) == hash(Own(5, False, ("a",)))  # grouped not compared
    assert [f.name for f in records.fields(own)] == [f.name for f in dataclasses.fields(real)] == \
        ["amount", "grouped", "notes", "names"]
    assert [f.init for f in records.fields(Own)] == [True, True, True, False]
    changed = records.replace(own, amount=7)
    assert (changed.amount, changed.grouped, changed.notes, changed.names) == (7, True, ("a",), ("a", "own"))
    assert records.replace(real, amount=7) == dataclasses.replace(real, amount=7)  # a dataclass: by dataclasses
    with pytest.raises(ValueError, match="^field names is declared with init=False, it cannot be specified"):
        records.replace(own, names=())
    with pytest.raises(ValueError, match="^field names is declared with init=False, it cannot be specified"):
        dataclasses.replace(real, names=())
    with pytest.raises(ValueError, match="^cannot specify both default and default_factory$"):
        records.field(default=1, default_factory=int)
    assert records.is_record(own) and records.is_record(Own) and not records.is_record(real)
    with pytest.raises(TypeError, match="is not a record"):
        records.fields(real)
    # the dataclasses view, made when first asked, is a dataclass's
    assert dataclasses.is_dataclass(Own) and dataclasses.asdict(own) == \
        {"amount": 5, "grouped": True, "notes": ("a",), "names": ("a", "own")}


def test_a_dataclass_may_inherit_from_a_mutable_record_and_a_record_from_a_dataclass() -> None:
    @dataclass
    class Child(R.Ledger):
        total: int = 0

    child = Child("cash", [1], {}, 3)
    assert [f.name for f in dataclasses.fields(child)] == ["name", "rows", "seen", "total"]
    assert repr(child).endswith("Child(name='cash', rows=[1], total=3)")

    @dataclass
    class Plain:
        a: int
        b: list[int] = field(default_factory=list)

    @mutable_record
    class Grown(Plain):
        c: str = ""

    grown = Grown(1, [2], "x")
    assert (grown.a, grown.b, grown.c) == (1, [2], "x") and Grown(1).b == [] and Grown(1).b is not Grown(1).b
    assert [f.name for f in records.fields(Grown)] == ["a", "b", "c"]
    with pytest.raises(ValueError, match="^mutable default <class 'list'> for field rows is not allowed"):
        @record
        class Mutable:
            rows: list[int] = []  # noqa: RUF012
    with pytest.raises(TypeError, match="^'loose' is a field but has no type annotation$"):
        @record
        class Loose:
            loose = records.field(default=1)
