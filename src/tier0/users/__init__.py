"""Users: password hashing, policy, verification, reset and import."""
