"""Lifecycle services: the contexts' deletion plans assembled and run (the cascades),
batched deletes, the rollout and the token purge."""
