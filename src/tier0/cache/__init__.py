"""Shared counters for attack protection: the `CounterStore` port and its backends."""

from tier0.cache.counters import BucketState, CounterStore, CounterStoreUnavailable

__all__ = ["BucketState", "CounterStore", "CounterStoreUnavailable"]
