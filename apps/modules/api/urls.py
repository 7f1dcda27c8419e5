"""The App API's routes. Listed directly in ``marketplace.api_urls`` (first, with no
include and namespace of their own): apps call them on every request. The users
endpoints come first; then the list and detail routes of every registered module model,
with views made for each registration."""

from django.urls import URLPattern, path
from rest_framework.filters import SearchFilter

from apps.modules.api import installation, users
from apps.modules.api.record_schema import document
from apps.modules.api.records import RecordDetailApi, RecordListApi
from apps.modules.registry import Registration, registrations


def _class_name(registration: Registration) -> str:
    return "".join(part.capitalize() for part in registration.code.replace(".", "_").split("_"))


def record_urls(registration: Registration) -> list[URLPattern]:
    """The list and detail routes of one registration, with views made for it."""
    base = _class_name(registration)
    attrs = {
        "registration": registration,
        "serializer_class": registration.serializer,
        "filterset_class": registration.filterset,
        "search_fields": registration.search_fields,
        "ordering_fields": registration.ordering_fields,
        "filter_backends": [
            b
            for b in RecordListApi.filter_backends
            if b is not SearchFilter or registration.search_fields
        ],
        "__module__": RecordListApi.__module__,
    }
    list_view = type(f"{base}ListApi", (RecordListApi,), dict(attrs))
    detail_view = type(f"{base}DetailApi", (RecordDetailApi,), dict(attrs))
    document(registration, list_view, detail_view)
    return [
        path(f"{registration.path}/", list_view.as_view(), name=f"{registration.url_name}-list"),
        path(
            f"{registration.path}/<int:record_id>/",
            detail_view.as_view(),
            name=f"{registration.url_name}-detail",
        ),
    ]


urlpatterns = [
    path("users/me", users.UserMeApi.as_view(), name="user-me"),
    path("users", users.UserListApi.as_view(), name="user-list"),
    path("installation", installation.InstallationSelfApi.as_view(), name="installation-self"),
    path(
        "installation/user-settings",
        installation.InstallationUserSettingsApi.as_view(),
        name="installation-user-settings",
    ),
    *(route for registration in registrations() for route in record_urls(registration)),
]
