"""Minting and checking the tokens tier0 issues: RFC 9068 access tokens and ID tokens."""
