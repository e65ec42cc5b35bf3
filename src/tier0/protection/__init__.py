"""Attack protection: trusted proxies, rate limits, brute-force blocking, suspicious IPs.

Every policy here sits on the `tier0.cache.CounterStore` port and takes an injected `Clock`.
"""
