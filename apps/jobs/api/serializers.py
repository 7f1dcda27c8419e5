"""What the API says about a job: in full (the jobs API) or as a short reference inside
another object (an app's ``deletion_job``, a version's ``rollout_job``)."""

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.jobs.models import Job


class ProgressOutput(serializers.Serializer):
    done = serializers.IntegerField()
    total = serializers.IntegerField(allow_null=True, help_text="Null until the job counted.")


def _progress(job: Job) -> dict[str, int | None]:
    return {"done": job.progress_done, "total": job.progress_total}


class JobOutput(serializers.ModelSerializer):
    percent = serializers.IntegerField(allow_null=True)
    progress = serializers.SerializerMethodField()
    tries = serializers.IntegerField(
        help_text="How many times it was set going: its first run, each automatic retry "
        "after a temporary error and each retry by hand; 0 until a worker takes it."
    )
    steps = serializers.SerializerMethodField(
        help_text="Rows removed so far by each step of an uninstall or app deletion (for a "
        "rollout: installations by outcome), by step name; empty for other jobs."
    )

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "state",
            "target",
            "progress",
            "percent",
            "message",
            "attempts",
            "tries",
            "retries_automatic",
            "retries_manual",
            "steps",
            "last_error",
            "created_at",
            "started_at",
            "finished_at",
            "updated_at",
        ]

    def get_progress(self, job: Job) -> dict[str, int | None]:
        return _progress(job)

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_steps(self, job: Job) -> dict[str, int]:
        counts = job.payload.get("counts") if isinstance(job.payload, dict) else None
        if not isinstance(counts, dict):
            return {}
        return {str(name): rows for name, rows in counts.items() if isinstance(rows, int)}


class JobRefOutput(serializers.Serializer):
    """A job in a few fields, with the URL of its full record in the jobs API."""

    id = serializers.IntegerField()
    state = serializers.ChoiceField(choices=Job.State.choices)
    progress = ProgressOutput()
    url = serializers.URLField(help_text="`GET` it for the job's message and error.")


def job_ref(job: Job | None, context: dict[str, Any]) -> dict[str, Any] | None:
    """``job`` as a ``JobRefOutput`` body (``None`` stays ``None``); the URL is absolute
    when ``context`` holds the request."""
    if job is None:
        return None
    path = reverse("api:jobs:job-detail", kwargs={"job_id": job.pk})
    request = context.get("request")
    return {
        "id": job.pk,
        "state": job.state,
        "progress": _progress(job),
        "url": request.build_absolute_uri(path) if request is not None else path,
    }
