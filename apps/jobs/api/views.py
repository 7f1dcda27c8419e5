"""Jobs API: the background jobs the caller may see, with their progress, and retry.

Who sees which job is ``apps.jobs.selectors.job_list_for``: the account's admins
every job, members with the developer right its app deletions and version rollouts, anyone
the jobs they started. An account API key acts as the account and sees every job. A job
outside what the caller may see is a 404; retrying one they see without the right to
retry it is a 403.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api.context import account_actor
from apps.core.api import PAGE_PARAMETERS, page_of, paginated_response, query_choice
from apps.jobs.api.serializers import JobOutput
from apps.jobs.models import Job
from apps.jobs.selectors import job_get_for, job_list_for
from apps.jobs.services import job_retry


class JobListApi(APIView):
    @extend_schema(
        operation_id="jobs_list",
        summary="The background jobs you may see, newest first",
        description="An admin or an API key: every job of the account. A member with the "
        "developer right: the account's app deletions and version rollouts. Anyone: the "
        "jobs they started.",
        parameters=[
            OpenApiParameter("state", enum=list(Job.State.values), required=False),
            *PAGE_PARAMETERS,
        ],
        responses=page_of(JobOutput),
        tags=["jobs"],
    )
    def get(self, request: Request) -> Response:
        qs = job_list_for(actor=account_actor(request))
        if state := query_choice(request, "state", tuple(Job.State.values)):
            qs = qs.filter(state=state)
        return paginated_response(request=request, view=self, queryset=qs, serializer=JobOutput)


class JobDetailApi(APIView):
    @extend_schema(summary="One job with its progress", responses=JobOutput, tags=["jobs"])
    def get(self, request: Request, job_id: int) -> Response:
        job = job_get_for(actor=account_actor(request), job_id=job_id)
        return Response(JobOutput(job).data)


class JobRetryApi(APIView):
    @extend_schema(
        summary="Retry a failed job from where it stopped",
        description="Admins and API keys retry any job of the account; members with the "
        "developer right retry app deletions and version rollouts. A job that is not "
        "failed is a 409.",
        request=None,
        responses=JobOutput,
        tags=["jobs"],
    )
    def post(self, request: Request, job_id: int) -> Response:
        actor = account_actor(request)
        job = job_get_for(actor=actor, job_id=job_id, to_retry=True)
        return Response(JobOutput(job_retry(job=job, actor=actor)).data)
