"""The management API (Auth0 Management API v2 shape) at ``/t/{tenant}/api/v2/``.

Every operation goes through the same services as the CLI; this package only adds HTTP:
bearer-token access with one scope per operation (AC-01), tenant isolation by issuer
(AC-02), allowlisted request and response schemas (AC-04) and problem+json errors.
"""
