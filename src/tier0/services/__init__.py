"""The service layer: every state change the CLI, the management API and config-as-code
make goes through here, one transaction each."""
