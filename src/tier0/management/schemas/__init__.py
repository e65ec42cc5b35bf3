"""Request and response models of the management API.

Write models forbid unknown fields (AC-04: no mass assignment; a ``tenant_id``,
``password_hash`` or ``client_secret`` in a body is a 400, never silently applied). Response
models list exactly the fields that may leave the server; FastAPI filters every response
through them, a second allowlist behind :mod:`tier0.views`.
"""
