"""Protocol endpoints: each one an ordered table of small checks (node-oidc-provider style).

They take parsed parameters and plain policy values and return results or raise
:class:`~tier0.protocol.errors.OAuthError`; rendering belongs to the web layer.
"""
