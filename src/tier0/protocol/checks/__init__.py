"""Small, pure protocol checks (one concept per module, each raising an OAuthError).

Endpoints list the checks they run, in order, in one table (the node-oidc-provider
pattern); the checks themselves know nothing of HTTP, storage or clients' classes:
they take plain values (the registered redirect URIs, the allowed grant types, ...).
"""
