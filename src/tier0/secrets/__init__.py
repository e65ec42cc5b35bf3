"""Secrets at rest: opening the KMS, field encryption with blind indexes, and the
versioned secret store."""
