"""The OpenAPI schema: descriptions of our authentication classes (loaded by
ApiConfig.ready) and the schema class that documents every operation's errors."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import Direction
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "apps.api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An account API key, `mpk_...`, created by an account admin.",
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "apps.api.authentication.SessionAuthentication"
    name = "Session"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "The console session; unsafe methods also need the X-CSRFToken header.",
        }


def _catalog_scopes() -> dict[str, str]:
    """Every scope string of the catalog in force, with its consent phrase."""
    from apps.scopes.catalog import Level, get_catalog
    from apps.scopes.policies import ScopeGrant, scope_phrase

    catalog = get_catalog()
    return {
        f"{code}:{level}": scope_phrase(ScopeGrant(code, level), catalog=catalog)
        for code in sorted(catalog.scopes)
        for level in Level
    }


class AppTokenScheme(OpenApiAuthenticationExtension):
    """An app's access token. Each operation's security lists the scopes that let a
    token call it, one requirement per scope (any one will do; a full scope includes its
    read): what the scope check of the view decides, for the model it serves."""

    target_class = "apps.api.app_api.AppTokenAuthentication"
    name = "OAuth2"

    def get_security_requirement(self, auto_schema: Any) -> list[dict[str, list[str]]]:
        from apps.api.app_api import scopes_required

        needed = scopes_required(auto_schema.view)
        if not needed:
            return [{self.name: []}]
        return [{self.name: [scope]} for scope in needed]

    def get_security_definition(self, auto_schema: object) -> dict[str, object]:
        return {
            "type": "oauth2",
            "description": (
                "An access token issued to an app by the authorization server for one user of "
                "one installation. Requests run as that user, within the installation's "
                "granted scopes and the user's own rights."
            ),
            "flows": {
                "authorizationCode": {
                    "authorizationUrl": "/oauth/authorize/",
                    "tokenUrl": "/oauth/token/",
                    "refreshUrl": "/oauth/token/",
                    "scopes": _catalog_scopes(),
                }
            },
        }


# --- Error responses of every operation ---------------------------------------------------


class ErrorDetailOutput(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, machine-readable: `invalid`, `conflict`, …")
    message = serializers.CharField(help_text="For people: what went wrong and what to do.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages by field (a dotted path for nested input); empty when no field.",
    )


class ErrorOutput(serializers.Serializer):
    error = ErrorDetailOutput()

    class Meta:
        ref_name = "Error"


ERROR_RESPONSES: dict[str, str] = {
    "400": "Not valid: `invalid` with the messages by field under `fields`, or `parse_error` "
    "for a body that cannot be read. Nothing was written.",
    "401": "No credentials, or credentials that are not valid (`not_authenticated`, "
    "`authentication_failed`; `invalid_token` for an app token, with `WWW-Authenticate`).",
    "403": "The caller may not do this: `permission_denied`; for an app token "
    "`insufficient_scope` (the installation did not grant it) or `insufficient_rights` "
    "(its user lacks the right).",
    "404": "`not_found`: no such object for this caller (another account's objects are not "
    "found either), or no such page of a list.",
    "409": "`conflict`: the object's state does not allow it now; the message names what "
    "can be done.",
    "415": "`unsupported_media_type`: the body's content type is not one this operation reads.",
    "429": "`throttled`: too many requests; `Retry-After` says in how many seconds to try again.",
}
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's schema with the error responses every operation can give, each
    with the one error body (``{"error": {"code", "message", "fields"}}``):

    - 401 and 429 everywhere (bad credentials are refused even where none are needed; every
      caller is throttled);
    - 403 where the operation needs an authenticated caller;
    - 400 where the operation reads parameters or a body, 415 where it reads a body;
    - 404 where the path names an object or the list is paginated;
    - 409 for every operation that changes something.

    A response an operation documents itself keeps its own description and body; one that
    it lists without a body gets the error body. A view whose unsafe methods change nothing
    (a dry run) sets ``changes_nothing = True`` and documents no 409.
    """

    def _error_statuses(self) -> list[str]:
        statuses = ["401", "429"]
        public = all(isinstance(permission, AllowAny) for permission in self.view.get_permissions())
        if not public:
            statuses.append("403")
        has_body = self.method in {"POST", "PUT", "PATCH"} and bool(self._get_request_body())
        parameters = self._get_parameters()
        if parameters or has_body:
            statuses.append("400")
        if has_body:
            statuses.append("415")
        if any(p.get("in") == "path" or p.get("name") == "page" for p in parameters):
            statuses.append("404")
        if self.method in _UNSAFE and not getattr(self.view, "changes_nothing", False):
            statuses.append("409")
        return sorted(statuses)

    def _get_response_bodies(self, direction: Direction = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        documented_errors = [s for s in responses if s.startswith("4")]
        for status in sorted({*self._error_statuses(), *documented_errors}):
            documented = responses.get(status)
            if documented is not None and documented.get("content"):
                continue
            response = self._get_response_for_code(ErrorOutput, status, direction=direction)
            description = (documented or {}).get("description") or ERROR_RESPONSES[status]
            responses[status] = {**response, "description": description}
        return dict(sorted(responses.items()))
