"""What rate limits show: the `X-RateLimit-*` and `Retry-After` headers of a decision,
and the default limit table as docs/rate-limits.md prints it."""

from __future__ import annotations

from math import ceil

from tier0.protection.rate_limits import DEFAULT_LIMITS, Decision, LimitTable, Scope


def rate_limit_headers(decision: Decision) -> dict[str, str]:
    """`X-RateLimit-Limit/Remaining/Reset` (Auth0: reset as Unix seconds) and, when refused,
    `Retry-After` in delta-seconds (RFC 9110 §10.2.3)."""
    headers: dict[str, str] = {}
    if decision.limit is not None and decision.ends_at is not None:
        headers["X-RateLimit-Limit"] = str(decision.limit)
        headers["X-RateLimit-Remaining"] = str(decision.remaining or 0)
        headers["X-RateLimit-Reset"] = str(ceil(decision.ends_at))
    if not decision.allowed:
        headers["Retry-After"] = str(max(1, decision.retry_after))
    return headers


def raw_rate_limit_headers(decision: Decision) -> list[tuple[bytes, bytes]]:
    """`rate_limit_headers` as ASGI header pairs (lower-case names, as HTTP/2 wants them),
    built once per decision for the middleware to append. The limit and reset pairs are
    formatted once per window (`_fixed_pairs`); only the remaining count is per request."""
    limit, ends = decision.limit, decision.ends_at
    if limit is not None and ends is not None:
        pairs = _FIXED_PAIRS.get((limit, ends))
        if pairs is None:
            pairs = _fixed_pairs(limit, ends)
        headers = [
            pairs[0],
            (b"x-ratelimit-remaining", b"%d" % (decision.remaining or 0)),
            pairs[1],
        ]
    else:
        headers = []
    if not decision.allowed:
        headers.append((b"retry-after", b"%d" % max(1, decision.retry_after)))
    return headers


_Pair = tuple[bytes, bytes]
_FIXED_PAIRS: dict[tuple[int, float], tuple[_Pair, _Pair]] = {}
_MAX_FIXED_PAIRS = 4096  # one per open window that answered lately; a flood only churns it


def _fixed_pairs(limit: int, ends: float) -> tuple[_Pair, _Pair]:
    if len(_FIXED_PAIRS) >= _MAX_FIXED_PAIRS:
        _FIXED_PAIRS.clear()
    pairs = (b"x-ratelimit-limit", b"%d" % limit), (b"x-ratelimit-reset", b"%d" % ceil(ends))
    _FIXED_PAIRS[(limit, ends)] = pairs
    return pairs


def limit_table_markdown(table: LimitTable = DEFAULT_LIMITS) -> str:
    """The limit table as the Markdown rows docs/rate-limits.md shows (a test keeps them equal)."""
    scopes = (Scope.IP, Scope.CLIENT, Scope.TENANT, Scope.USER)
    lines = ["| endpoint class | per IP | per client | per tenant | per (tenant, user) |"]
    lines.append("|---|---|---|---|---|")
    for endpoint, cells in table.items():
        row = [f"`{cells[s]}`" if cells.get(s) else "-" for s in scopes]
        lines.append(f"| `{endpoint}` | " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"
