"""Cross-field checks of the product's own registrations: each takes the validated
attributes of a write and the record being changed (``None`` on create), and raises
DRF's ``ValidationError`` keyed by the field at fault."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


def _current(attrs: dict[str, Any], instance: Any, name: str) -> Any:
    return attrs[name] if name in attrs else getattr(instance, name, None)


def deal_stage_in_pipeline(attrs: dict[str, Any], instance: Any) -> dict[str, Any]:
    """A deal's stage belongs to the deal's pipeline; a stage alone sets the pipeline."""
    stage = _current(attrs, instance, "stage")
    pipeline = _current(attrs, instance, "pipeline")
    if stage is not None and pipeline is None:
        attrs["pipeline"] = stage.pipeline
    elif stage is not None and stage.pipeline_id != pipeline.pk:
        raise serializers.ValidationError(
            {"stage": [f"The stage {stage.pk} is not a stage of the pipeline {pipeline.pk}."]}
        )
    return attrs


def _ordered(attrs: dict[str, Any], instance: Any, first: str, last: str) -> dict[str, Any]:
    start, end = _current(attrs, instance, first), _current(attrs, instance, last)
    if start is not None and end is not None and end < start:
        raise serializers.ValidationError({last: [f"Must not be before {first}."]})
    return attrs


def event_ends_after_start(attrs: dict[str, Any], instance: Any) -> dict[str, Any]:
    return _ordered(attrs, instance, "starts_at", "ends_at")


def dates_in_order(attrs: dict[str, Any], instance: Any) -> dict[str, Any]:
    return _ordered(attrs, instance, "starts_on", "ends_on")


def invoice_dates_in_order(attrs: dict[str, Any], instance: Any) -> dict[str, Any]:
    return _ordered(attrs, instance, "issued_on", "due_on")


def percent(attrs: dict[str, Any], instance: Any) -> dict[str, Any]:
    value = attrs.get("probability")
    if value is not None and value > 100:
        raise serializers.ValidationError({"probability": ["Give a percentage, 0 to 100."]})
    return attrs
