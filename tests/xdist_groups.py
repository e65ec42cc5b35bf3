"""Scheduling for `--dist loadgroup` (what `make test` uses), loaded by tests/conftest.py.

Tests are handed to workers one at a time, except that a module whose tests share a
module-scoped fixture (a live server, a cluster, a database of its own) must stay on one
worker, or each worker starts that fixture again (the interop server takes ~20 s). Such a
module says so itself, `pytestmark = pytest.mark.xdist_group(__name__)`, and collection
fails when one forgets: a mark added here at collection time would be invisible in the
module and easy to lose. Those modules and the `slow` tests are queued first: the longest
work must not be what starts last, with the other worker idle.
"""

from __future__ import annotations

import pytest

GROUP_MARK = "xdist_group"


def module_scoped_fixtures(item: pytest.Item) -> list[str]:
    """The module-scoped fixtures in the item's closure (any of them is set up once per
    module per worker, so the module's tests belong on one worker)."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return []
    chains = info.name2fixturedefs.values()
    return sorted({d.argname for chain in chains for d in chain if d.scope == "module"})


def group_name(item: pytest.Item) -> str | None:
    """The item's xdist group, spelled as xdist spells it (several marks join with `_`)."""
    names = {
        str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
        for mark in item.iter_markers(GROUP_MARK)
    }
    return "_".join(sorted(names)) if names else None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    ungrouped = {
        item.nodeid.split("::")[0]: module_scoped_fixtures(item)
        for item in items
        if module_scoped_fixtures(item) and group_name(item) is None
    }
    if ungrouped:
        lines = [f"  {path} (module-scoped: {', '.join(f)})" for path, f in ungrouped.items()]
        raise pytest.UsageError(
            "these modules share module-scoped fixtures but have no static xdist group, so "
            "`--dist loadgroup` would start their fixtures on every worker; add "
            "`pytestmark = pytest.mark.xdist_group(__name__)` to each:\n" + "\n".join(lines)
        )

    def heavy(item: pytest.Item) -> bool:
        return group_name(item) is not None or item.get_closest_marker("slow") is not None

    items.sort(key=lambda item: 0 if heavy(item) else 1)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """On an xdist worker, make sure each grouped test's id ends in `@group` before the
    worker sends its ids to the controller (xdist's own `pytest_collection_finish`, which
    runs after this one): the controller's LoadGroupScheduling reads the group from there.

    xdist 3.8 appends the suffix by assigning `item._nodeid`, which pytest 9.2 no longer
    reads (ids are structured `NodeId`s in `item._id`): every group was silently split
    across workers (pytest-xdist issue 1386). Where xdist's suffix took, this does nothing.
    """
    if not getattr(session.config.option, "loadgroup", False):
        return  # not a worker, or not `--dist loadgroup`
    for item in session.items:
        name = group_name(item)
        if name is None or item.nodeid.endswith(f"@{name}"):
            continue
        node_id = getattr(item, "_id", None)
        if node_id is None or not hasattr(type(node_id), "parse"):
            raise pytest.UsageError(
                f"cannot give {item.nodeid} its xdist group: this pytest has neither "
                "xdist's `_nodeid` nor a structured `_id`; see tests/xdist_groups.py"
            )
        # NodeId.parse keeps the exact string it was given as the id's text.
        item._id = type(node_id).parse(f"{item.nodeid}@{name}")
