"""The OAuth 2.1 / OpenID Connect protocol core.

Framework-free by rule (DESIGN.md §1): nothing here imports FastAPI, Starlette,
SQLAlchemy, Redis or Jinja (enforced by ``tests/unit/protocol/test_layering.py``).
Raw request parameters come in as ``Mapping[str, Sequence[str]]``; frozen request
dataclasses and :class:`~tier0.protocol.errors.OAuthError` subclasses come out.
"""
