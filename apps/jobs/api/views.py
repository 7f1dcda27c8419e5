"""Jobs API: the account's background jobs with their progress, and retry."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api.context import acting_context, require_admin
from apps.core.api import paginated_response
from apps.core.errors import ValidationFailed
from apps.jobs.models import Job
from apps.jobs.selectors import job_get_for_account, job_list_for_account
from apps.jobs.services import job_retry


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
        return {"done": job.progress_done, "total": job.progress_total}


class JobListApi(APIView):
    @extend_schema(
        summary="The account's background jobs, newest first",
        parameters=[OpenApiParameter("state", enum=list(Job.State.values), required=False)],
        responses=JobOutput(many=True),
        tags=["jobs"],
    )
    def get(self, request: Request) -> Response:
        ctx = acting_context(request)
        require_admin(ctx, allow_api_key=True)
        qs = job_list_for_account(account=ctx.account)
        state = request.query_params.get("state")
        if state:
            if state not in Job.State.values:
                raise ValidationFailed(
                    f"Unknown state {state!r}.",
                    fields={"state": [f"Choose one of: {', '.join(Job.State.values)}."]},
                )
            qs = qs.filter(state=state)
        return paginated_response(request=request, view=self, queryset=qs, serializer=JobOutput)


class JobDetailApi(APIView):
    @extend_schema(summary="One job with its progress", responses=JobOutput, tags=["jobs"])
    def get(self, request: Request, job_id: int) -> Response:
        ctx = acting_context(request)
        require_admin(ctx, allow_api_key=True)
        return Response(JobOutput(job_get_for_account(account=ctx.account, job_id=job_id)).data)


class JobRetryApi(APIView):
    @extend_schema(
        summary="Retry a failed job from where it stopped",
        request=None,
        responses=JobOutput,
        tags=["jobs"],
    )
    def post(self, request: Request, job_id: int) -> Response:
        ctx = acting_context(request)
        require_admin(ctx, allow_api_key=True)
        job = job_get_for_account(account=ctx.account, job_id=job_id)
        user = None if ctx.via_api_key else request.user
        return Response(JobOutput(job_retry(job=job, user=user)).data)
