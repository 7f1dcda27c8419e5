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


class AppTokenScheme(OpenApiAuthenticationExtension):
    target_class = "apps.oauth.resource.AppTokenAuthentication"
    name = "OAuth2"

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
                    "scopes": {
                        "users:read": "View the account's users and their profiles",
                        "user.me:read": "View your own user profile",
                    },
                }
            },
        }
