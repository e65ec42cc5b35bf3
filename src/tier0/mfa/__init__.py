"""Multi-factor authentication: factors (TOTP, recovery codes) behind one service."""
