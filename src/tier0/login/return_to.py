"""Where to send the browser after a sign-in that no application asked for (IV-07).

ASVS 3.7.2 / RFC 9700 §4.11: no open redirects. A ``return_to`` is accepted only as a
path on tier0's own origin: it must start with a single ``/``, must not start with
``//`` or ``/\\`` (both mean "another host" to browsers), and may contain only plain
URL path and query characters (no backslash, control character, space or scheme).
Anything else falls back to the default, silently.
"""

from __future__ import annotations

import re

__all__ = ["safe_return_to"]

_PATH = re.compile(r"/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*")
_MAX = 1024


def safe_return_to(value: str | None, *, prefix: str) -> str | None:
    """``value`` if it is a local path under ``prefix``, else ``None``."""
    if not value or len(value) > _MAX or _PATH.fullmatch(value) is None:
        return None
    if "/.." in value or "%2e" in value.lower() or "%2f" in value.lower():
        return None
    if not (value == prefix or value.startswith(prefix.rstrip("/") + "/")):
        return None
    return value
