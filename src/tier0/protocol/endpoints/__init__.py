"""Endpoint logic, framework-free: raw parameters in, result dataclasses or OAuthError out."""
