from django import template

from apps.jobs.registry import job_kind_label as _job_kind_label

register = template.Library()


@register.filter
def job_kind_label(kind: str) -> str:
    """The human name of a job kind, e.g. ``system.diagnostic`` → "Pipeline diagnostic"."""
    return _job_kind_label(kind)
