"""Persistence: ports (typing.Protocol) and their implementations."""
