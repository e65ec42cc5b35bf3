"""The HTTP surface: the ASGI app factory, middleware and routes."""
