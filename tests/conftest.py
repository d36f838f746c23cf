"""Settings for every test run.

- CLAUSEWISE_CACHE is a temporary folder of the test process (below), not the user's cache folder.
- COLUMNS is 100 (below), so that no test depends on the width of the terminal it runs in.
- SOURCE_DATE_EPOCH fixes the time of generation in every result's provenance block (provenance.py), so
  that two results of the same evaluation are byte-identical whenever the test runs: 1767225600 is
  2026-01-01T00:00:00Z. tests/test_provenance.py unsets it where it checks the clock's own time.
- Every property test runs twice: `[quick]`, with a tenth of its examples (at least 5), in the default run,
  and `[full]`, with all of them, marked `slow` (pyproject's addopts leave it out of the default run; CI runs
  `python -m pytest -m slow` after it). A property test is one decorated with hypothesis's @given, or one
  marked `examples` that draws inside its body (tests.helpers.examples gives it the count to draw).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest
from hypothesis import settings

from tests import helpers

os.environ.setdefault("SOURCE_DATE_EPOCH", "1767225600")
# The command keeps parsed rule files in the user's cache folder (parse_cache.py): tests keep theirs in a
# folder of their own, removed at the end, never in the home folder of whoever runs them.
os.environ["CLAUSEWISE_CACHE"] = _CACHE = tempfile.mkdtemp(prefix="clausewise-test-cache-")
atexit.register(shutil.rmtree, _CACHE, True)
# The table wraps to the terminal's width (COLUMNS when set; render.py). Tests read it at a fixed 100 columns,
# whatever the terminal they run in (.ci/run sets COLUMNS=43 to catch a test that would depend on it); a test
# of the wrapping itself sets COLUMNS on its own (monkeypatch).
os.environ["COLUMNS"] = "100"

SHARE = "_examples"  # the fixture that gives a property test its share of examples


def _is_property(function: object) -> bool:
    return bool(getattr(function, "is_hypothesis_test", False))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if _is_property(metafunc.function) or metafunc.definition.get_closest_marker("examples") is not None:
        if SHARE not in metafunc.fixturenames:  # it is (autouse): pytest 9 no longer honours names appended here
            metafunc.fixturenames.append(SHARE)
        metafunc.parametrize(SHARE, ["quick", pytest.param("full", marks=pytest.mark.slow)], indirect=True)


@pytest.fixture(autouse=True)  # autouse, so that the test requests it and its parameter reaches it
def _examples(request: pytest.FixtureRequest) -> Iterator[str | None]:
    if not hasattr(request, "param"):  # not a property test
        yield None
        return
    quick = request.param == "quick"
    function = request.function
    saved = getattr(function, "_hypothesis_internal_use_settings", None)
    if quick and saved is not None:  # hypothesis reads them when the test is called (hypothesis/core.py)
        function._hypothesis_internal_use_settings = settings(saved, max_examples=helpers.quick_share(
            saved.max_examples))
    helpers.QUICK = quick
    try:
        yield request.param
    finally:
        helpers.QUICK = False
        if saved is not None:
            function._hypothesis_internal_use_settings = saved
