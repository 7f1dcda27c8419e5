"""Moderation API: the review queue, a version under review, and the decisions.

Signed-in platform moderators only (``actor_can_moderate``); anyone else signed in gets
403, API keys included (a key belongs to a tenant account, not to the platform). Every
decision moves the version through the catalog's one write path and is recorded in the
version's history.
"""

from __future__ import annotations

from typing import Any, ClassVar

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
)
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.actors import Actor
from apps.accounts.api.context import request_actor
from apps.catalog.api.serializers import (
    PAGE_PARAMETERS,
    BannerOutput,
    EventOutput,
    logo_url,
    page_of,
    scope_lines,
)
from apps.catalog.models import AppStatus, AppVersion, VersionStatus
from apps.catalog.selectors import (
    AGE_FILTERS,
    age_cutoff,
    app_listing_state,
    version_diff,
    version_history,
    version_last_published,
    version_scope_lines,
)
from apps.core.api import paginated_response, query_choice
from apps.core.errors import NotFound, PermissionDenied
from apps.moderation.api.serializers import (
    ApproveInput,
    QueueItemOutput,
    RejectInput,
    ReviewDetailOutput,
    ReviewOutput,
)
from apps.moderation.models import Review
from apps.moderation.policies import CHECKLIST, actor_can_moderate
from apps.moderation.selectors import (
    review_list_for_version,
    review_open_for_version,
    review_queue,
    review_version_get,
)
from apps.moderation.services import review_approve, review_claim, review_reject, review_release


def moderator_required(request: Request) -> Actor:
    """The request's Actor when it is a signed-in moderator; 403 for anyone else, API keys
    included."""
    actor = request_actor(request)
    if actor.via_api_key:
        raise PermissionDenied("API keys cannot moderate apps. Sign in as a platform moderator.")
    if not actor_can_moderate(actor):
        raise PermissionDenied("Only platform moderators can review app versions.")
    return actor


MIN_AGES = tuple(AGE_FILTERS)
CLAIMED = ("yes", "no", "mine")


class ReviewQueueApi(APIView):
    @extend_schema(
        operation_id="moderation_queue_list",
        summary="The moderation queue, oldest submission first",
        description="Versions of public apps submitted or in review, each with its age and "
        "the moderator who claimed it.",
        parameters=[
            OpenApiParameter("app", description="Part of the app's name.", required=False),
            OpenApiParameter(
                "developer", description="The developer account's domain.", required=False
            ),
            OpenApiParameter(
                "min_age", enum=list(MIN_AGES), description="Waiting at least.", required=False
            ),
            OpenApiParameter("claimed", enum=list(CLAIMED), required=False),
            *PAGE_PARAMETERS,
        ],
        responses=page_of(QueueItemOutput),
        tags=["moderation"],
    )
    def get(self, request: Request) -> Response:
        actor = moderator_required(request)
        qs = review_queue()
        name = request.query_params.get("app", "").strip()
        if name:
            qs = qs.filter(app__name__icontains=name)
        developer = request.query_params.get("developer", "").strip().lower()
        if developer:
            qs = qs.filter(app__account__slug=developer)
        if min_age := query_choice(request, "min_age", MIN_AGES):
            qs = qs.filter(submitted_at__lte=age_cutoff(min_age))
        claimed = query_choice(request, "claimed", CLAIMED)
        if claimed == "yes":
            qs = qs.filter(claimed_by_id__isnull=False)
        elif claimed == "no":
            qs = qs.filter(claimed_by_id__isnull=True)
        elif claimed == "mine":
            qs = qs.filter(claimed_by_id=actor.user_id)
        return paginated_response(
            request=request, view=self, queryset=qs, serializer=QueueItemOutput
        )


def _actions(version: AppVersion, open_review: Review | None, actor: Actor) -> list[str]:
    if version.app.status == AppStatus.DELETING:
        return []
    if version.status == VersionStatus.SUBMITTED:
        return ["claim"]
    mine = open_review is not None and open_review.moderator_id == actor.user_id
    if version.status == VersionStatus.IN_REVIEW and mine:
        return ["release", "approve", "reject"]
    return []


def review_body(request: Request, version: AppVersion, actor: Actor) -> dict[str, Any]:
    """Everything a moderator needs to decide, in one answer."""
    app = version.app
    context = {"request": request}
    against = version_last_published(app=app, exclude=version)
    try:
        diff = version_diff(version=version, against=against)
    except NotFound as exc:  # a stored manifest no longer validates against the catalog
        diff_body: dict[str, Any] = {"against": against.number if against else None}
        diff_body["error"] = exc.message
    else:
        diff_body = (
            {"against": against.number, **diff.as_dict()}
            if diff is not None and against is not None
            else {"against": None}
        )
    open_review = review_open_for_version(version=version)
    return {
        "id": version.pk,
        "app": {"code": str(app.code), "name": app.name, "status": app.status},
        "developer": {"domain": app.account.slug, "name": app.account.name},
        "number": version.number,
        "status": version.status,
        "changelog": version.changelog,
        "submitted_at": version.submitted_at,
        "rejection_reason": version.rejection_reason,
        "manifest": version.manifest,
        "manifest_source": version.manifest_source,
        "effective_scopes": scope_lines(version_scope_lines(version=version)),
        "diff": diff_body,
        "listing": {
            "summary": app.summary,
            "description": app.description,
            "support_email": app.support_email,
            "support_url": app.support_url,
            "logo_url": logo_url(context, app),
            "banners": BannerOutput(
                app.banners.select_related("app"), many=True, context=context
            ).data,
            # What the catalog still needs of the listing, by its own rule (empty: complete).
            "missing": {
                piece.field: [piece.missing]
                for piece in app_listing_state(app=app).pieces
                if not piece.filled
            },
        },
        "checklist": [{"key": key, "label": label} for key, label in CHECKLIST],
        "claimed_by": open_review.moderator_label if open_review else None,
        "actions": _actions(version, open_review, actor),
        "history": EventOutput(version_history(version=version), many=True).data,
        "reviews": ReviewOutput(review_list_for_version(version=version), many=True).data,
    }


class ReviewDetailApi(APIView):
    @extend_schema(
        summary="A version to review",
        description="The manifest, the effective scopes with each scope's reason, the diff "
        "against the last published version, the listing, the checklist, the history of the "
        "version and its reviews.",
        responses=ReviewDetailOutput,
        tags=["moderation"],
    )
    def get(self, request: Request, version_id: int) -> Response:
        actor = moderator_required(request)
        version = review_version_get(version_id=version_id)
        return Response(review_body(request, version, actor))


class _DecisionApi(APIView):
    input: ClassVar[type[serializers.Serializer] | None] = None

    def decide(self, version: AppVersion, actor: Actor, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def post(self, request: Request, version_id: int) -> Response:
        actor = moderator_required(request)
        version = review_version_get(version_id=version_id)
        data: dict[str, Any] = {}
        if self.input is not None:
            checked = self.input(data=request.data)
            checked.is_valid(raise_exception=True)
            data = dict(checked.validated_data)
        self.decide(version, actor, data)
        version.refresh_from_db()
        return Response(review_body(request, version, actor))


DECISION_ERRORS = (
    "409 `illegal_transition`, `not_claimed` or `claimed_by_other` when the version is not "
    "where this needs it; 409 `conflict` when another moderator acted first."
)


def _decision(summary: str, description: str, **kwargs: Any) -> Any:
    return extend_schema(
        summary=summary,
        description=f"{description} {DECISION_ERRORS}",
        responses=ReviewDetailOutput,
        tags=["moderation"],
        **kwargs,
    )


@_decision("Claim a version for review", "submitted → in review, by you.", request=None)
class ReviewClaimApi(_DecisionApi):
    def decide(self, version: AppVersion, actor: Actor, data: dict[str, Any]) -> None:
        review_claim(version=version, actor=actor)


@_decision("Release a claimed version", "in review → submitted; only its claimant.", request=None)
class ReviewReleaseApi(_DecisionApi):
    def decide(self, version: AppVersion, actor: Actor, data: dict[str, Any]) -> None:
        review_release(version=version, actor=actor)


@_decision(
    "Approve a version",
    "in review → approved; every checklist item must be true (400 naming `checklist`). "
    "The developer can then publish it.",
    request=ApproveInput,
    examples=[
        OpenApiExample(
            "Approve",
            value={
                "checklist": {
                    "functionality": True,
                    "works_as_described": True,
                    "security": True,
                    "scopes": True,
                },
                "notes": "Tested on the demo account.",
            },
            request_only=True,
        )
    ],
)
class ReviewApproveApi(_DecisionApi):
    input = ApproveInput

    def decide(self, version: AppVersion, actor: Actor, data: dict[str, Any]) -> None:
        review_approve(
            version=version, actor=actor, checklist=data["checklist"], notes=data["notes"]
        )


@_decision(
    "Reject a version",
    "in review → rejected, with a reason the developer sees (400 naming `reason` when "
    "blank). The developer edits the version and submits it again.",
    request=RejectInput,
    examples=[
        OpenApiExample(
            "Reject",
            value={
                "reason": "fin.invoices:full is not justified: the app only reads invoices.",
                "checklist": {"functionality": True, "scopes": False},
            },
            request_only=True,
        )
    ],
)
class ReviewRejectApi(_DecisionApi):
    input = RejectInput

    def decide(self, version: AppVersion, actor: Actor, data: dict[str, Any]) -> None:
        review_reject(
            version=version,
            actor=actor,
            reason=data["reason"],
            checklist=data.get("checklist"),
            notes=data["notes"],
        )
