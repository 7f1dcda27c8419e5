"""What the API says about a job: in full (the jobs API) or as a short reference inside
another object (an app's ``deletion_job``, a version's ``rollout_job``)."""

from typing import Any

from django.urls import reverse
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
            "last_error",
            "created_at",
            "started_at",
            "finished_at",
            "updated_at",
        ]

    def get_progress(self, job: Job) -> dict[str, int | None]:
        return _progress(job)


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
