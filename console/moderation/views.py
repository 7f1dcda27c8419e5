"""The moderation queue: versions of public apps waiting for review, and the review page
where a moderator claims one, reads it and approves or rejects it."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied as HttpPermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views import View
from django.views.generic import TemplateView

from apps.catalog.models import AppVersion
from apps.catalog.selectors import (
    age_cutoff,
    app_listing_state,
    version_history,
    version_last_published,
    version_scope_lines,
)
from apps.core.errors import ApplicationError, Conflict, ValidationFailed
from apps.moderation.models import Review
from apps.moderation.policies import CHECKLIST, actor_can_moderate
from apps.moderation.selectors import (
    review_list_for_version,
    review_open_for_version,
    review_version_get,
)
from apps.moderation.services import review_approve, review_claim, review_reject, review_release
from console.access import access_errors, request_actor
from console.diffs import manifest_diff_shown
from console.forms import form_add_application_error
from console.moderation.changelists import review_changelist
from console.moderation.forms import ApproveForm, RejectForm

DETAIL_TEMPLATE = "console/moderation/review_detail.html"


class ModeratorRequiredMixin(LoginRequiredMixin):
    """Platform staff with the moderation permission; anyone else signed in gets 403."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not actor_can_moderate(request_actor(request)):
            raise HttpPermissionDenied("Only platform moderators can review app versions.")
        return super().dispatch(request, *args, **kwargs)


def _version(version_id: int) -> AppVersion:
    with access_errors():
        return review_version_get(version_id=version_id)


def _label(version: AppVersion) -> str:
    return f"{version.app.name} {version.number}"


class ReviewListView(ModeratorRequiredMixin, TemplateView):
    """The queue, oldest submission first; a row waiting over 7 days is highlighted."""

    template_name = "console/moderation/review_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {"cl": review_changelist(self.request), "overdue_before": age_cutoff("7d")}


def _review_rows(reviews: list[Review]) -> list[dict[str, Any]]:
    return [
        {
            "review": review,
            "checks": [(label, bool(review.checklist.get(key))) for key, label in CHECKLIST],
        }
        for review in reviews
    ]


def review_detail_context(
    request: HttpRequest,
    version: AppVersion,
    *,
    approve_form: ApproveForm | None = None,
    reject_form: RejectForm | None = None,
    error: str = "",
) -> dict[str, Any]:
    """Everything the review page shows; the decision forms are live for the claimant."""
    app = version.app
    open_review = review_open_for_version(version=version)
    shown = manifest_diff_shown(
        version=version, against=version_last_published(app=app, exclude=version)
    )
    return {
        "version": version,
        "app": app,
        "banners": list(app.banners.all()),
        # The listing against the catalog's own rule, for the "matches the listing" item.
        "listing": app_listing_state(app=app),
        "scope_lines": version_scope_lines(version=version),
        "against": shown["against"],
        "diff": shown["diff"],
        "diff_error": shown["error"],
        "history": list(version_history(version=version)),
        "reviews": _review_rows(list(review_list_for_version(version=version))),
        "open_review": open_review,
        "is_claimant": bool(
            open_review and open_review.moderator_id == request_actor(request).user_id
        ),
        "approve_form": approve_form or ApproveForm(),
        "reject_form": reject_form or RejectForm(),
        "error": error,
    }


class ReviewDetailView(ModeratorRequiredMixin, View):
    """The version under review: manifest, scopes with reasons, diff against the last
    published version, listing, changelog, checklist, decisions and history."""

    http_method_names = ["get", "head"]

    def get(self, request: HttpRequest, version_id: int) -> HttpResponse:
        version = _version(version_id)
        return render(request, DETAIL_TEMPLATE, review_detail_context(request, version))


class ReviewClaimView(ModeratorRequiredMixin, View):
    """Take a submitted version; a version someone else claimed first stays theirs."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, version_id: int) -> HttpResponse:
        version = _version(version_id)
        try:
            review_claim(version=version, actor=request_actor(request))
        except Conflict as exc:
            messages.error(request, _claim_refusal(version, request, exc))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"You claimed {_label(version)}: it is yours to review.")
        return redirect("console:moderation:review-detail", version_id=version.pk)


def _claim_refusal(version: AppVersion, request: HttpRequest, exc: Conflict) -> str:
    # The domain says which move was refused; the moderator wants to know who has it.
    review = review_open_for_version(version=version)
    if review is None:
        return exc.message
    if review.moderator_id == request_actor(request).user_id:
        return f"You already claimed {_label(version)}."
    return (
        f"{review.moderator_label} claimed {_label(version)} first; the review stays with "
        "them. Pick another version from the queue."
    )


class ReviewReleaseView(ModeratorRequiredMixin, View):
    """Give a claimed version back to the queue (only its claimant can)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, version_id: int) -> HttpResponse:
        version = _version(version_id)
        try:
            review_release(version=version, actor=request_actor(request))
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("console:moderation:review-detail", version_id=version.pk)
        messages.success(request, f"{_label(version)} is back in the queue.")
        return redirect("console:moderation:review-list")


class _DecisionView(ModeratorRequiredMixin, View):
    """Shared by approve and reject: bad input and refusals re-render the review page
    with the error under its field, and nothing is written."""

    http_method_names = ["post"]

    def refused(
        self,
        request: HttpRequest,
        version_id: int,
        form: ApproveForm | RejectForm,
        exc: ApplicationError | None = None,
    ) -> HttpResponse:
        status = 200
        if exc is not None:
            form_add_application_error(form, exc)
            status = 200 if isinstance(exc, ValidationFailed) else exc.status_code
        version = _version(version_id)  # fresh: someone may have moved it meanwhile
        if isinstance(form, ApproveForm):
            context = review_detail_context(request, version, approve_form=form)
        else:
            context = review_detail_context(request, version, reject_form=form)
        return render(request, DETAIL_TEMPLATE, context, status=status)


class ReviewApproveView(_DecisionView):
    def post(self, request: HttpRequest, version_id: int) -> HttpResponse:
        version = _version(version_id)
        form = ApproveForm(request.POST)
        if not form.is_valid():
            return self.refused(request, version_id, form)
        try:
            review_approve(
                version=version,
                actor=request_actor(request),
                checklist=form.checklist_ticks(),
                notes=form.cleaned_data["notes"],
            )
        except ApplicationError as exc:
            return self.refused(request, version_id, form, exc)
        messages.success(
            request, f"{_label(version)} is approved; its developer can publish it now."
        )
        return redirect("console:moderation:review-list")


class ReviewRejectView(_DecisionView):
    def post(self, request: HttpRequest, version_id: int) -> HttpResponse:
        version = _version(version_id)
        form = RejectForm(request.POST)
        if not form.is_valid():
            return self.refused(request, version_id, form)
        try:
            review_reject(
                version=version,
                actor=request_actor(request),
                reason=form.cleaned_data["reason"],
                notes=form.cleaned_data["notes"],
            )
        except ApplicationError as exc:
            return self.refused(request, version_id, form, exc)
        messages.success(request, f"{_label(version)} is rejected; its developer sees your reason.")
        return redirect("console:moderation:review-list")
