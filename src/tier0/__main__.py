"""`python -m tier0` runs the `tier0` command."""

from tier0.cli.main import main

main()
