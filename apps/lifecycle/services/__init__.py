"""Lifecycle services: batched deletes, the cascades, the rollout and the token purge."""
