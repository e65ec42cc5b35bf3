"""One router per management resource."""
