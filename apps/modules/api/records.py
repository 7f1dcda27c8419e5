"""The App API of module data: ``/api/v1/<module>/<model>/`` and ``.../<id>/`` for every
registered model (``apps.modules.registry``), the classes made per registration in
``apps.modules.api.record_urls``.

Reads need read access to the model, writes full access, checked by ``ModuleAccess``.
Every query is limited to the caller's account, so another account's ids answer 404.
A record's ETag is its revision; ``PATCH`` with ``If-Match`` changes it only while it
still has that revision (409 ``precondition_failed`` otherwise).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import filters, mixins, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.api.context import request_actor
from apps.api.app_api import AppTokenAuthentication
from apps.api.authentication import ApiKeyAuthentication
from apps.api.pagination import CursorPagination
from apps.core.api import ID_MAX
from apps.core.errors import NotFound, ValidationFailed
from apps.modules.api.access import ModuleAccess, caller_account_id, caller_ident
from apps.modules.idempotency import HEADER, Answer, create_once, fingerprint, idempotency_key
from apps.modules.registry import Registration
from apps.modules.selectors import record_list_for_account
from apps.modules.services import record_create_written, record_delete, record_update_written
from apps.scopes.catalog import Level


def etag(record: Any) -> str:
    return f'"{record.revision}"'


def if_match_revision(request: Request) -> int | None:
    """The revision named by ``If-Match`` (``"3"``), ``None`` without one or for ``*``;
    anything else is refused naming the header."""
    value = request.headers.get("If-Match", "").strip()
    if not value or value == "*":
        return None
    tag = value.removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise ValidationFailed(
            'If-Match must be one ETag of the record, as its GET answered it (e.g. "3").',
            fields={"If-Match": [f"Not an ETag of this API: {value!r}."]},
        )
    return int(tag)


class RecordApi(GenericAPIView):
    """Base of the generated record views; ``registration`` says which model."""

    registration: Registration
    authentication_classes = [AppTokenAuthentication, ApiKeyAuthentication]
    permission_classes = [ModuleAccess]
    pagination_class = CursorPagination
    filter_backends = [DjangoFilterBackend, filters.SearchFilter, filters.OrderingFilter]
    ordering = ("-id",)
    lookup_url_kwarg = "record_id"
    self_only = False

    @property
    def required_model(self) -> str:
        return self.registration.code

    @property
    def required_level(self) -> Level:
        return Level.READ if self.request.method in SAFE_METHODS else Level.FULL

    @property
    def account_id(self) -> int:
        return caller_account_id(self.request.auth)

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI schema's look at it
            return self.registration.model.objects.none()
        return record_list_for_account(model=self.registration.model, account_id=self.account_id)

    def get_object(self) -> Any:
        if self.kwargs.get(self.lookup_url_kwarg, 0) > ID_MAX:
            raise NotFound(f"No {self.registration.label} {self.kwargs[self.lookup_url_kwarg]}.")
        return super().get_object()

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if getattr(self.request, "auth", None) is not None:
            context["account_id"] = self.account_id
        return context


class RecordListApi(mixins.ListModelMixin, RecordApi):
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.list(request, *args, **kwargs)

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = idempotency_key(request.headers.get(HEADER))
        if key is None:
            answer = self._create(request)
        else:
            answer = create_once(
                account_id=self.account_id,
                caller=caller_ident(request.auth),
                key=key,
                model=self.registration.code,
                print_=fingerprint(path=request.path, data=request.data),
                create=lambda: self._create(request),
            )
        headers = {"ETag": answer.etag, "Location": f"{request.path}{answer.record_id}/"}
        if answer.replayed:
            headers["Idempotent-Replayed"] = "true"
        return Response(answer.body, status=answer.status, headers=headers)

    def _create(self, request: Request) -> Answer:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record, data = record_create_written(
            model=self.registration.model,
            account_id=self.account_id,
            values=serializer.validated_data,
            actor=request_actor(request),
        )
        # The body its change event carries: the record as this serializer answers it.
        body = data if data is not None else dict(self.get_serializer(record).data)
        return Answer(status.HTTP_201_CREATED, body, etag(record), record.pk)


class RecordDetailApi(RecordApi):
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        record = self.get_object()
        return Response(self.get_serializer(record).data, headers={"ETag": etag(record)})

    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        expected = if_match_revision(request)
        record = self.get_object()
        serializer = self.get_serializer(record, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        record, data = record_update_written(
            record=record,
            values=serializer.validated_data,
            actor=request_actor(request),
            expected_revision=expected,
        )
        body = data if data is not None else self.get_serializer(record).data
        return Response(body, headers={"ETag": etag(record)})

    def delete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        record_delete(record=self.get_object(), actor=request_actor(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
