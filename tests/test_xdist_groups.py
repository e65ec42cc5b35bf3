"""The `--dist loadgroup` scheduling of tests/xdist_groups.py, checked on small generated
suites run by a real pytest with real xdist workers: a module with a module-scoped fixture
runs on one worker (its fixture starts once), and one without its static group mark is
refused at collection."""

from __future__ import annotations

import os
import re
from collections import defaultdict
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Each module's fixture writes one line per set-up into a file named after the module.
GROUPED_MODULE = """
import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.xdist_group(__name__)


@pytest.fixture(scope="module")
def server():
    with Path(os.environ["SETUPS"], __name__).open("a") as log:
        log.write(os.environ.get("PYTEST_XDIST_WORKER", "-") + "\\n")


@pytest.mark.parametrize("n", range(6))
def test_uses_server(server, n):
    pass
"""

PLAIN_MODULE = """
import pytest


@pytest.mark.parametrize("n", range(6))
def test_plain(n):
    pass
"""


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A generated suite whose conftest loads the scheduling plugin under test."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("SETUPS", str(pytester.mkdir("setups")))
    pytester.makeconftest('pytest_plugins = ["tests.xdist_groups"]')
    return pytester


def test_a_grouped_module_runs_on_one_worker_and_starts_its_fixture_once(
    suite: pytest.Pytester,
) -> None:
    suite.makepyfile(test_alpha=GROUPED_MODULE, test_beta=GROUPED_MODULE, test_gamma=PLAIN_MODULE)
    result = suite.runpytest_subprocess(
        "-n", "2", "--dist", "loadgroup", "-v", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=18)
    workers: dict[str, set[str]] = defaultdict(set)
    for line in result.outlines:
        found = re.match(r"\[(gw\d)\] .*PASSED (test_\w+)\.py::", line)
        if found:
            workers[found[2]].add(found[1])
    assert workers["test_alpha"] and len(workers["test_alpha"]) == 1, workers
    assert workers["test_beta"] and len(workers["test_beta"]) == 1, workers
    for module in ("test_alpha", "test_beta"):
        assert len((suite.path / "setups" / module).read_text().splitlines()) == 1


def test_a_module_scoped_fixture_without_a_group_mark_fails_collection(
    suite: pytest.Pytester,
) -> None:
    suite.makepyfile(test_forgot=GROUPED_MODULE.replace("pytestmark", "unused_mark"))
    result = suite.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*no static xdist group*", "*test_forgot.py (module-scoped: server)*"]
    )


def test_grouped_modules_are_queued_first(suite: pytest.Pytester) -> None:
    suite.makepyfile(test_a_plain=PLAIN_MODULE, test_z_grouped=GROUPED_MODULE)
    result = suite.runpytest_subprocess("--collect-only", "-q", "-p", "no:cacheprovider")
    ids = [line for line in result.outlines if "::" in line]
    assert ids[0].startswith("test_z_grouped.py::"), ids
    assert ids[-1].startswith("test_a_plain.py::"), ids
