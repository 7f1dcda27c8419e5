"""Manifest format v1 as JSON Schema (draft 2020-12), built from the scope catalog.

The same document validates the structure of every manifest and is served at
``GET /api/v1/manifests/schema`` for editors. ``x-error-code`` names the stable code a
failure of that sub-schema is reported with; validators ignore it.
"""

from __future__ import annotations

from typing import Any

from apps.catalog.manifests.codes import ManifestError
from apps.catalog.manifests.connection import (
    CONNECTION_TYPES,
    PARAMETER_TYPES,
    TEST_METHODS,
    TOKEN_AUTH_METHODS,
)
from apps.scopes.catalog import AppEvent, Catalog, Level

MANIFEST_VERSION = 1
MAX_BYTES = 256 * 1024
MAX_DEPTH = 32
MAX_PROBLEMS = 200

SEMVER_PATTERN = (
    r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
    r"(-(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*)?"
    r"(\+[0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*)?$"
)
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
ID_HINT = "1 to 64 lowercase letters, digits, '-' or '_', starting with a letter or digit"
KEY_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
KEY_HINT = "1 to 64 lowercase letters, digits or '_', starting with a letter"
CODE_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,63}$"
CODE_HINT = "1 to 64 lowercase letters, digits, '.', '-' or '_'"

SETTING_TYPES = ("string", "text", "number", "boolean", "select", "secret", "file", "reference")
SETTING_LEVELS = ("app", "user")
AUTHORIZATION_TYPES = ("account", "user")


def _text(max_length: int, description: str) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "maxLength": max_length, "description": description}


def _url(description: str) -> dict[str, Any]:
    return {
        "type": "string",
        "minLength": 1,
        "maxLength": 2000,
        "description": description + " https, or http for localhost only.",
    }


def _scope_item(catalog: Catalog) -> dict[str, Any]:
    return {
        "type": "object",
        "description": "A scope the app asks for, with the reason shown at consent and review.",
        "required": ["code", "level", "reason"],
        "additionalProperties": False,
        "properties": {
            "code": {
                "enum": sorted(catalog.scopes),
                "x-error-code": ManifestError.UNKNOWN_SCOPE,
                "description": "A scope code from the catalog, e.g. crm.accounts.",
            },
            "level": {
                "enum": [level.value for level in Level],
                "x-error-code": ManifestError.UNKNOWN_LEVEL,
                "description": "read, or full (which includes read).",
            },
            "reason": _text(500, "Why the app needs this scope, shown to admins and moderators."),
        },
    }


def _webhook_item(catalog: Catalog) -> dict[str, Any]:
    return {
        "type": "object",
        "description": "A subscription registered on every installation.",
        "required": ["id", "event", "url"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "pattern": ID_PATTERN, "description": ID_HINT},
            "event": {
                "enum": [*catalog.events, *(e.value for e in AppEvent)],
                "x-error-code": ManifestError.UNKNOWN_EVENT,
                "description": "<model>.created, <model>.updated or <model>.deleted (needs "
                "read on the model), or app.installed, app.updated or app.uninstalled (no "
                "scope needed).",
            },
            "url": _url("Where deliveries are POSTed."),
        },
    }


def _embedding_item(catalog: Catalog) -> dict[str, Any]:
    return {
        "type": "object",
        "description": "A place in the product's pages where the app is shown.",
        "required": ["id", "location", "code", "url", "title"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "pattern": ID_PATTERN, "description": ID_HINT},
            "location": {
                "enum": sorted(catalog.locations),
                "x-error-code": ManifestError.UNKNOWN_LOCATION,
                "description": "An embedding location from the catalog, e.g. crm.account.card.",
            },
            "code": {"type": "string", "pattern": CODE_PATTERN, "description": CODE_HINT},
            "url": _url("The page loaded in the frame, with the launch context."),
            "title": _text(100, "The title shown above the frame or in the menu."),
        },
    }


_OPTION_ITEM = {
    "type": "object",
    "required": ["value", "label"],
    "additionalProperties": False,
    "properties": {
        "value": _text(200, "The stored value."),
        "label": _text(200, "What the admin or user sees."),
    },
}


def _setting_item(catalog: Catalog) -> dict[str, Any]:
    return {
        "type": "object",
        "description": "A value an admin (app level) or each user (user level) fills in.",
        "required": ["key", "level", "type", "label"],
        "additionalProperties": False,
        "properties": {
            "key": {"type": "string", "pattern": KEY_PATTERN, "description": KEY_HINT},
            "level": {
                "enum": list(SETTING_LEVELS),
                "description": "app: one value per installation; user: one value per user.",
            },
            "type": {
                "enum": list(SETTING_TYPES),
                "x-error-code": ManifestError.UNKNOWN_SETTING_TYPE,
                "description": "reference points at a record of a module model (see model).",
            },
            "label": _text(100, "The field's label."),
            "help": {"type": "string", "maxLength": 500, "description": "Help under the field."},
            "required": {"type": "boolean", "description": "Whether a value must be given."},
            "default": {
                "type": ["string", "number", "boolean", "null"],
                "description": "The initial value; not allowed for secret, file, reference.",
            },
            "options": {
                "type": "array",
                "minItems": 1,
                "maxItems": 200,
                "items": _OPTION_ITEM,
                "description": "The choices of a select setting.",
            },
            "model": {
                "enum": list(catalog.models),
                "x-error-code": ManifestError.UNKNOWN_MODEL,
                "description": "The model a reference setting points at, e.g. crm.account.",
            },
        },
        "allOf": [
            {
                "if": {"properties": {"type": {"const": "select"}}, "required": ["type"]},
                "then": {"required": ["options"]},
            },
            {
                "if": {"properties": {"type": {"const": "reference"}}, "required": ["type"]},
                "then": {"required": ["model"]},
            },
        ],
    }


HEADER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$"
HEADER_HINT = "an HTTP header name: letters, digits and '-'"
PARAM_NAME_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"
PARAM_NAME_HINT = "1 to 64 letters, digits, '_', '.' or '-'"
# RFC 6749's scope-token: printable ASCII without space, '"' and '\\'.
OUTSIDE_SCOPE_PATTERN = r"^[!#-\[\]-~]{1,200}$"
OUTSIDE_SCOPE_HINT = "an outside service's scope: printable characters without spaces or quotes"


def _string_map(name_pattern: str, name_hint: str, description: str) -> dict[str, Any]:
    return {
        "type": "object",
        "maxProperties": 20,
        "propertyNames": {"pattern": name_pattern, "description": name_hint},
        "additionalProperties": {"type": "string", "maxLength": 2000},
        "description": description,
    }


_PARAMETER_ITEM: dict[str, Any] = {
    "type": "object",
    "description": "A value the admin gives at install and may change later.",
    "required": ["key", "label"],
    "additionalProperties": False,
    "properties": {
        "key": {"type": "string", "pattern": KEY_PATTERN, "description": KEY_HINT},
        "label": _text(100, "The field's label."),
        "help": {"type": "string", "maxLength": 500, "description": "Help under the field."},
        "type": {"enum": list(PARAMETER_TYPES), "description": "string when left out."},
        "required": {"type": "boolean", "description": "Whether a value must be given."},
        "sensitive": {
            "type": "boolean",
            "description": "Stored encrypted, masked, never sent back to a browser.",
        },
        "options": {
            "type": "array",
            "minItems": 1,
            "maxItems": 200,
            "items": _OPTION_ITEM,
            "description": "The choices of a select parameter.",
        },
    },
    "allOf": [
        {
            "if": {"properties": {"type": {"const": "select"}}, "required": ["type"]},
            "then": {"required": ["options"]},
        }
    ],
}

_OAUTH2: dict[str, Any] = {
    "type": "object",
    "description": "The outside service's OAuth 2.0 endpoints; the platform is its client.",
    "required": ["authorize_url", "token_url"],
    "additionalProperties": False,
    "properties": {
        "authorize_url": _url("Where the admin authorizes the platform."),
        "token_url": _url("Where the code is exchanged for tokens."),
        "refresh_url": _url("Where tokens are refreshed; the token URL when left out."),
        "revoke_url": _url("Where tokens are revoked at uninstall (RFC 7009)."),
        "scopes": {
            "type": "array",
            "maxItems": 50,
            "items": {
                "type": "string",
                "pattern": OUTSIDE_SCOPE_PATTERN,
                "description": OUTSIDE_SCOPE_HINT,
            },
            "description": "The outside service's scopes to ask for.",
        },
        "authorize_params": _string_map(
            PARAM_NAME_PATTERN,
            PARAM_NAME_HINT,
            "Extra query parameters of the authorize URL; values may use {{parameter}}.",
        ),
        "pkce": {"type": "boolean", "description": "Send a PKCE S256 challenge; true by default."},
        "token_auth": {
            "enum": list(TOKEN_AUTH_METHODS),
            "description": "How the client authenticates at the token URL.",
        },
    },
}

_TEST: dict[str, Any] = {
    "type": "object",
    "description": "The request that proves the stored credentials work.",
    "required": ["url"],
    "additionalProperties": False,
    "properties": {
        "method": {"enum": list(TEST_METHODS), "description": "GET when left out."},
        "url": _url("The URL to call; may use {{parameter}} after the host."),
        "headers": _string_map(
            HEADER_PATTERN,
            HEADER_HINT,
            "Request headers; values may use {{parameter}} and {{access_token}}.",
        ),
        "expect_status": {
            "type": "array",
            "minItems": 1,
            "maxItems": 20,
            "items": {"type": "integer", "minimum": 100, "maximum": 599},
            "description": "The statuses that mean success; any 2xx when left out.",
        },
    },
}


def _connection() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "How an installation reaches an outside service, and how to test it.",
        "required": ["type"],
        "additionalProperties": False,
        "properties": {
            "type": {
                "enum": list(CONNECTION_TYPES),
                "description": "none; generic (parameters only); oauth2 (and an authorization).",
            },
            "parameters": {"type": "array", "maxItems": 30, "items": _PARAMETER_ITEM},
            "oauth2": _OAUTH2,
            "test": _TEST,
        },
    }


def manifest_schema(catalog: Catalog) -> dict[str, Any]:
    """The JSON Schema of manifest v1 for ``catalog``'s scopes, events, locations, models."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:marketplace:manifest:v1",
        "title": "App version manifest v1",
        "description": (
            "Declares what a version of an app asks for and offers: scopes, webhooks, "
            "embeddings, settings and the connection. See docs/manifest.md."
        ),
        "type": "object",
        "required": ["manifest_version", "version", "authorization", "redirect_uris", "scopes"],
        "additionalProperties": False,
        "properties": _manifest_properties(catalog),
    }


def _manifest_properties(catalog: Catalog) -> dict[str, Any]:
    return {
        "manifest_version": {
            "const": MANIFEST_VERSION,
            "x-error-code": ManifestError.UNSUPPORTED_MANIFEST_VERSION,
            "description": "The format of this document; 1.",
        },
        "version": {
            "type": "string",
            "maxLength": 64,
            "pattern": SEMVER_PATTERN,
            "x-error-code": ManifestError.INVALID_SEMVER,
            "description": "The version number, semantic versioning: MAJOR.MINOR.PATCH.",
        },
        "authorization": {
            "enum": list(AUTHORIZATION_TYPES),
            "description": (
                "account: an admin authorizes the app once for everyone allowed to use it; "
                "user: each user authorizes it for themselves."
            ),
        },
        "redirect_uris": {
            "type": "array",
            "minItems": 1,
            "maxItems": 10,
            "items": _url("An OAuth callback, matched exactly."),
            "description": "The OAuth redirect URIs the app may use.",
        },
        "scopes": {
            "type": "array",
            "maxItems": 50,
            "items": _scope_item(catalog),
            "description": "The scopes the app asks for; may be empty.",
        },
        "webhooks": {"type": "array", "maxItems": 100, "items": _webhook_item(catalog)},
        "embeddings": {"type": "array", "maxItems": 50, "items": _embedding_item(catalog)},
        "settings": {"type": "array", "maxItems": 100, "items": _setting_item(catalog)},
        "connection": _connection(),
        "connection_test_url": _url(
            "The simple form of connection.test: a GET that answers 2xx when the "
            "installation's credentials work."
        ),
        "install_start_url": _url(
            "Where the marketplace sends the browser to install the app (with iss, "
            "account and version): the app starts its own authorization request there, "
            "with its state and PKCE."
        ),
    }
