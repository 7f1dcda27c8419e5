"""The host product's own pages over its module data: a list and a record page (view,
create, edit, delete) for each model in ``console.records.pages.PAGES``, one set of
views driven by the model's registration.

Who may do what is the member's module right on their role (admins: full everywhere),
through ``apps.modules.selectors.record_list_for`` / ``record_get_for``: no right on
the module is a 403 naming it, read opens the list and the record pages, full also
creates, edits and deletes; another account's record is a 404. Every write goes
through the module services, so each writes its change event with the member as actor.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from apps.accounts.actors import Actor
from apps.accounts.models import AccessLevel
from apps.core.errors import NotFound, PermissionDenied
from apps.modules.errors import RecordChanged, RecordInUse
from apps.modules.policies import record_can, record_refusal
from apps.modules.selectors import record_get_for, record_list_for
from apps.modules.services import record_create, record_delete, record_update
from console.access import MemberRequiredMixin, access_errors
from console.embedding.menu import record_cards_for
from console.records.changelists import record_changelist
from console.records.display import record_value
from console.records.forms import RecordForm
from console.records.pages import PAGES, RecordPage, model_fields, page_for_model
from console.records.related import narrowed_by_relation, related_lists


class RecordMixin(MemberRequiredMixin):
    """A view over the records of one ``page`` (set in ``as_view(page=...)``)."""

    page: RecordPage = None  # type: ignore[assignment]  # given by as_view(page=...)

    def check_actor(self, actor: Actor) -> None:
        super().check_actor(actor)
        if not self.page.registered:  # a host unregistered the model: no pages either
            raise NotFound(f"There are no {self.page.label.lower()} in this product.")

    def readable(self) -> set[str]:
        """The codes of the record pages the member may open (for links)."""
        return {p.code for p in PAGES if record_can(self.actor, code=p.code, level="read")}

    def may_change(self) -> bool:
        return record_can(self.actor, code=self.page.code, level=AccessLevel.FULL)

    def require_change(self) -> None:
        refusal = record_refusal(self.actor, code=self.page.code, level=AccessLevel.FULL)
        if refusal is not None:
            with access_errors():
                raise PermissionDenied(refusal)

    def get_record(self, record_id: int, *, to_change: bool = False) -> Any:
        with access_errors():
            return record_get_for(
                actor=self.actor, code=self.page.code, record_id=record_id, to_change=to_change
            )

    def base_context(self, **extra: Any) -> dict[str, Any]:
        return {
            "page": self.page,
            "list_url": reverse(self.page.url_name("list")),
            "may_change": self.may_change(),
            **extra,
        }


class RecordListView(RecordMixin, View):
    """The account's records of the model: search, filters, sorting, pages."""

    def get(self, request: HttpRequest) -> HttpResponse:
        with access_errors():
            records = record_list_for(actor=self.actor, code=self.page.code)
        records, narrowing = narrowed_by_relation(
            request.GET, page=self.page, queryset=records, account_id=self.account.pk
        )
        keep = (narrowing.param, str(narrowing.record.pk)) if narrowing else None
        cl = record_changelist(request, page=self.page, queryset=records, keep=keep)
        readable = self.readable()
        related = page_for_model(type(narrowing.record)) if narrowing else None
        context = self.base_context(
            cl=cl,
            readable=readable,
            narrowing=narrowing,
            narrowing_url=reverse(related.url_name("detail"), args=[narrowing.record.pk])
            if narrowing and related and related.code in readable
            else None,
        )
        if context["may_change"]:
            context["empty_action_url"] = reverse(self.page.url_name("create"))
            context["empty_action_label"] = f"New {self.page.noun}"
        return render(request, "console/records/record_list.html", context)


class RecordDetailView(RecordMixin, View):
    """One record: its fields, the records that point at it, and the cards of the apps
    embedded on record pages (``record_cards`` in the template)."""

    def get(self, request: HttpRequest, record_id: int) -> HttpResponse:
        record = self.get_record(record_id)
        readable = self.readable()
        names = [n for n in model_fields(self.page.registration) if n != "id"]
        values = [record_value(record, name, readable=readable) for name in names]
        context = self.base_context(
            record=record,
            values=values,
            related=related_lists(record, readable=readable),
            record_code=self.page.code,
            cards=record_cards_for(request, model=self.page.code, record_id=record.pk),
        )
        return render(request, "console/records/record_detail.html", context)


class RecordRevisionView(RecordMixin, View):
    """The record's current revision (``{"model", "id", "revision"}``): what the host
    bridge asks on the record's page to tell the open record cards that the record
    changed (the SDK's ``record.changed``). Access as the record's page."""

    def get(self, request: HttpRequest, record_id: int) -> HttpResponse:
        record = self.get_record(record_id)
        response = JsonResponse(
            {"model": self.page.code, "id": record.pk, "revision": record.revision}
        )
        response["Cache-Control"] = "no-store"
        return response


class RecordFormMixin(RecordMixin):
    def form(self, request: HttpRequest, record: Any = None) -> RecordForm:
        extra: dict[str, Any] = {}
        if record is None:  # a new record is the member's own until they say otherwise
            extra["initial"] = {"owner": self.actor.user_id}
        return RecordForm(
            request.POST if request.method == "POST" else None,
            registration=self.page.registration,
            account_id=self.account.pk,
            record=record,
            **extra,
        )

    def show(self, request: HttpRequest, form: RecordForm, record: Any = None) -> HttpResponse:
        context = self.base_context(form=form, record=record)
        status = 400 if form.is_bound else 200
        return render(request, "console/records/record_form.html", context, status=status)


class RecordCreateView(RecordFormMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        self.require_change()
        return self.show(request, self.form(request))

    def post(self, request: HttpRequest) -> HttpResponse:
        self.require_change()
        form = self.form(request)
        if not form.is_valid():
            return self.show(request, form)
        record = record_create(
            model=self.page.model,  # type: ignore[arg-type]
            account_id=self.account.pk,
            values=form.values,
            actor=self.actor,
        )
        messages.success(request, f"The {self.page.noun} “{record}” is saved.")
        return redirect(self.page.url_name("detail"), record_id=record.pk)


class RecordEditView(RecordFormMixin, View):
    def get(self, request: HttpRequest, record_id: int) -> HttpResponse:
        record = self.get_record(record_id, to_change=True)
        return self.show(request, self.form(request, record), record)

    def post(self, request: HttpRequest, record_id: int) -> HttpResponse:
        record = self.get_record(record_id, to_change=True)
        form = self.form(request, record)
        if not form.is_valid():
            return self.show(request, form, record)
        try:
            record = record_update(
                record=record,
                values=form.values,
                actor=self.actor,
                expected_revision=form.cleaned_data.get("revision"),
            )
        except RecordChanged:
            form.add_error(
                None,
                f"Someone changed this {self.page.noun} since you opened it. Reload the page "
                "to see their change, then make yours again.",
            )
            return self.show(request, form, record)
        messages.success(request, f"The {self.page.noun} “{record}” is saved.")
        return redirect(self.page.url_name("detail"), record_id=record.pk)


class RecordDeleteView(RecordMixin, View):
    template_name = "console/records/record_delete.html"

    def get(self, request: HttpRequest, record_id: int) -> HttpResponse:
        record = self.get_record(record_id, to_change=True)
        return render(request, self.template_name, self.base_context(record=record))

    def post(self, request: HttpRequest, record_id: int) -> HttpResponse:
        record = self.get_record(record_id, to_change=True)
        name = str(record)
        try:
            record_delete(record=record, actor=self.actor)
        except RecordInUse as exc:
            context = self.base_context(record=record, error=exc.message)
            return render(request, self.template_name, context, status=409)
        messages.success(request, f"The {self.page.noun} “{name}” is deleted.")
        return redirect(self.page.url_name("list"))
