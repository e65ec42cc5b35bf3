"""Endpoint logic, framework-free: raw parameters in, result dataclasses or OAuthError out.

Each endpoint is an ordered table of small checks (node-oidc-provider style); rendering
belongs to the web layer.
"""
