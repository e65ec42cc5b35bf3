"""The small part of Auth0's user-search query syntax tier0 understands.

``q`` is one ``field:value`` term: ``email:"jo@example.com"``, ``name:jo*`` (a prefix of at
least 3 characters, as Auth0 requires for wildcards), ``blocked:true``. Anything else is a
400 rather than a silently different search.
"""

from __future__ import annotations

import re

from tier0.errors import InvalidInput
from tier0.storage.ports import USER_FLAG_FIELDS, USER_QUERY_FIELDS, UserQuery

_TERM = re.compile(r'^([a-z_]{1,32}):(?:"([^"]{1,320})"|([^\s"]{1,320}))$')
MIN_PREFIX = 3


def parse_user_query(q: str) -> UserQuery:
    match = _TERM.fullmatch(q.strip())
    if match is None:
        raise InvalidInput('q must be one field:value term, e.g. email:"jo@example.com"')
    field, quoted, bare = match.groups()
    value = quoted if quoted is not None else bare
    if field in USER_FLAG_FIELDS:
        if value not in ("true", "false"):
            raise InvalidInput(f"{field} is true or false")
        return UserQuery(field, value == "true")
    if field not in USER_QUERY_FIELDS:
        raise InvalidInput(f"cannot search on {field!r}")
    prefix = value.endswith("*")
    stem = value[:-1] if prefix else value
    if "*" in stem:
        raise InvalidInput("only a trailing * wildcard is supported")
    if prefix and len(stem) < MIN_PREFIX:
        raise InvalidInput(f"a wildcard needs at least {MIN_PREFIX} characters before it")
    return UserQuery(field, stem, prefix=prefix)
