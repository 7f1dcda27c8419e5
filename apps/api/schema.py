"""OpenAPI descriptions of our authentication classes (loaded by ApiConfig.ready)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


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
