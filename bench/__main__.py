"""`python -m bench [NAME ...]`: run the named benchmarks (all of them by default).

Each benchmark is a module of this package with an async ``main()``; this file only
dispatches, so `make bench` runs everything and a single figure can be re-measured alone.
"""

from __future__ import annotations

import asyncio
import importlib
import sys

BENCHMARKS = {
    "tokens": "bench.tokens",  # client credentials (ES256, RS256) and refresh, over HTTP
    "signin": "bench.signin",  # full password sign-in flows/s vs the bare bcrypt verify rate
    "attack": "bench.attack",  # credential stuffing through the real sign-in over HTTP
    "rate_limit_overhead": "bench.rate_limit_overhead",  # limiter cost on client credentials
    "login_enumeration": "bench.login_enumeration",  # BF-03: unknown vs wrong, body and time
    "export_memory": "bench.export_memory",  # tier0 user export: peak RSS for 100k users
    "scale": "bench.scale",  # two workers on PostgreSQL + Redis; sign-in with 1 M users
}


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    for name in names:
        module = importlib.import_module(BENCHMARKS[name])
        sys.argv = [BENCHMARKS[name]]  # each module parses its own (default) options
        asyncio.run(module.main())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
