"""The `tier0` command."""
