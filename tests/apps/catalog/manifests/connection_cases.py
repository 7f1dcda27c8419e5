"""The problem cases of the manifest's ``connection`` section, joined to ``CASES`` of
``test_validation_codes``: each mutation replaces the fixture's simple
``connection_test_url`` with a connection section, then breaks one thing."""

from collections.abc import Callable
from typing import Any

OAUTH_URLS = {
    "authorize_url": "https://provider.example.com/oauth/authorize",
    "token_url": "https://provider.example.com/oauth/token",
}


def with_connection(**connection: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        data.pop("connection_test_url", None)
        data["connection"] = connection

    return mutate


def generic(**extra: Any) -> Callable[[dict[str, Any]], None]:
    return with_connection(
        type="generic",
        parameters=[
            {"key": "api_key", "label": "API key", "sensitive": True, "required": True},
            {"key": "region", "label": "Region"},
        ],
        **extra,
    )


def oauth2(**extra: Any) -> Callable[[dict[str, Any]], None]:
    return with_connection(
        type="oauth2",
        parameters=[
            {"key": "tenant", "label": "Tenant"},
            {"key": "api_key", "label": "API key", "sensitive": True},
        ],
        **extra,
    )


def connection_cases(case: Callable[..., Any], E: Any) -> list[Any]:
    return [
        case(
            "reserved_key",
            ("$.connection.parameters[0].key", E.RESERVED_KEY),
            mutate=with_connection(
                type="generic", parameters=[{"key": "access_token", "label": "T"}]
            ),
            mentions=('"access_token"', "another key"),
        ),
        case(
            "duplicate_key-parameter",
            ("$.connection.parameters[1].key", E.DUPLICATE_KEY),
            mutate=with_connection(
                type="generic",
                parameters=[{"key": "k", "label": "A"}, {"key": "k", "label": "B"}],
            ),
            mentions=('"k"', "parameters[0]"),
        ),
        case(
            "field_not_allowed-sensitive-boolean",
            ("$.connection.parameters[0].sensitive", E.FIELD_NOT_ALLOWED),
            mutate=with_connection(
                type="generic",
                parameters=[{"key": "k", "label": "A", "type": "boolean", "sensitive": True}],
            ),
            mentions=("string and text", '"boolean"'),
        ),
        case(
            "missing_field-oauth2-section",
            ("$.connection.oauth2", E.MISSING_FIELD),
            mutate=with_connection(type="oauth2"),
            mentions=("oauth2",),
        ),
        case(
            "field_not_allowed-oauth2-on-generic",
            ("$.connection.oauth2", E.FIELD_NOT_ALLOWED),
            mutate=generic(oauth2=OAUTH_URLS),
            mentions=('"generic"',),
        ),
        case(
            "field_not_allowed-parameters-on-none",
            ("$.connection.parameters", E.FIELD_NOT_ALLOWED),
            mutate=with_connection(type="none", parameters=[{"key": "k", "label": "K"}]),
            mentions=("type none",),
        ),
        case(
            "field_not_allowed-test-twice",
            ("$.connection_test_url", E.FIELD_NOT_ALLOWED),
            mutate=lambda d: (
                generic(test={"url": "https://api.example.com/me"})(d),
                d.update(connection_test_url="https://api.example.com/ping"),
            ),
            mentions=("connection.test",),
        ),
        case(
            "unknown_placeholder",
            ("$.connection.test.headers['X-Key']", E.UNKNOWN_PLACEHOLDER),
            mutate=generic(
                test={"url": "https://api.example.com/me", "headers": {"X-Key": "{{apikey}}"}}
            ),
            mentions=("{{apikey}}", "api_key, region"),
        ),
        case(
            "placeholder_not_allowed-host",
            ("$.connection.test.url", E.PLACEHOLDER_NOT_ALLOWED),
            mutate=generic(test={"url": "https://{{region}}.example.com/me"}),
            mentions=("host",),
        ),
        case(
            "placeholder_not_allowed-oauth-url",
            ("$.connection.oauth2.token_url", E.PLACEHOLDER_NOT_ALLOWED),
            mutate=oauth2(oauth2={**OAUTH_URLS, "token_url": "https://x.example.com/{{tenant}}"}),
            mentions=("client secret",),
        ),
        case(
            "placeholder_not_allowed-access-token-on-generic",
            ("$.connection.test.headers.Authorization", E.PLACEHOLDER_NOT_ALLOWED),
            mutate=generic(
                test={
                    "url": "https://api.example.com/me",
                    "headers": {"Authorization": "Bearer {{access_token}}"},
                }
            ),
            mentions=("oauth2",),
        ),
        case(
            "sensitive_not_allowed",
            ("$.connection.oauth2.authorize_params.key", E.SENSITIVE_NOT_ALLOWED),
            mutate=oauth2(oauth2={**OAUTH_URLS, "authorize_params": {"key": "{{api_key}}"}}),
            mentions=("{{api_key}}", "browser"),
        ),
        case(
            "forbidden_header",
            ("$.connection.test.headers.Host", E.FORBIDDEN_HEADER),
            mutate=generic(test={"url": "https://api.example.com/me", "headers": {"Host": "x"}}),
            mentions=("Host",),
        ),
        case(
            "insecure_url-token",
            ("$.connection.oauth2.token_url", E.INSECURE_URL),
            mutate=oauth2(oauth2={**OAUTH_URLS, "token_url": "http://provider.example.com/t"}),
            mentions=("provider.example.com",),
        ),
        case(
            "insecure_url-test",
            ("$.connection.test.url", E.INSECURE_URL),
            mutate=generic(test={"url": "http://api.example.com/me?r={{region}}"}),
            mentions=("api.example.com",),
        ),
        case(
            "invalid_choice-connection-type",
            ("$.connection.type", E.INVALID_CHOICE),
            mutate=with_connection(type="oauth"),
            mentions=('"oauth"', "oauth2"),
        ),
        case(
            "invalid_value-expect-status",
            ("$.connection.test.expect_status[0]", E.INVALID_VALUE),
            mutate=generic(test={"url": "https://api.example.com/me", "expect_status": [99]}),
            mentions=("at least 100",),
        ),
        case(
            "invalid_format-outside-scope",
            ("$.connection.oauth2.scopes[0]", E.INVALID_FORMAT),
            mutate=oauth2(oauth2={**OAUTH_URLS, "scopes": ["read write"]}),
            mentions=('"read write"',),
        ),
    ]
