"""Privacy operations: user data export (DP-04), erasure (DP-05), and tenant export and
destruction with crypto-shredding (DP-03)."""
