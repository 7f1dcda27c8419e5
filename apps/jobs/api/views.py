"""Jobs API: the background jobs the caller may see, with their progress, and retry.

Who sees which job is ``apps.jobs.selectors.job_list_visible_to``: the account's admins
every job, members with the developer right its app deletions and version rollouts, anyone
the jobs they started. An account API key acts as the account and sees every job. A job
outside what the caller may see is a 404; retrying one they see without the right to
retry it is a 403.
"""

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api.context import ActingContext, acting_context
from apps.core.api import PAGE_PARAMETERS, page_of, paginated_response, query_choice
from apps.jobs.api.serializers import JobOutput
from apps.jobs.models import Job
from apps.jobs.selectors import (
    job_get_for_account,
    job_get_for_retry,
    job_get_visible_to,
    job_list_for_account,
    job_list_visible_to,
)
from apps.jobs.services import job_retry


def _visible(ctx: ActingContext) -> QuerySet[Job]:
    # An API key acts as its account: it has no membership and sees every job.
    if ctx.membership is None:
        return job_list_for_account(account=ctx.account)
    return job_list_visible_to(membership=ctx.membership)


def _job(ctx: ActingContext, job_id: int) -> Job:
    if ctx.membership is None:
        return job_get_for_account(account=ctx.account, job_id=job_id)
    return job_get_visible_to(membership=ctx.membership, job_id=job_id)


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
        ctx = acting_context(request)
        qs = _visible(ctx)
        if state := query_choice(request, "state", tuple(Job.State.values)):
            qs = qs.filter(state=state)
        return paginated_response(request=request, view=self, queryset=qs, serializer=JobOutput)


class JobDetailApi(APIView):
    @extend_schema(summary="One job with its progress", responses=JobOutput, tags=["jobs"])
    def get(self, request: Request, job_id: int) -> Response:
        return Response(JobOutput(_job(acting_context(request), job_id)).data)


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
        ctx = acting_context(request)
        if ctx.membership is None:
            job = job_get_for_account(account=ctx.account, job_id=job_id)
            return Response(JobOutput(job_retry(job=job, user=None)).data)
        job = job_get_for_retry(membership=ctx.membership, job_id=job_id)
        return Response(JobOutput(job_retry(job=job, user=ctx.membership.user)).data)
