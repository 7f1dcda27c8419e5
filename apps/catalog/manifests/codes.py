"""The stable codes of manifest problems. Tools may rely on them; messages may change."""

from enum import StrEnum


class ManifestError(StrEnum):
    # Reading the document
    TOO_LARGE = "too_large"
    TOO_DEEP = "too_deep"
    INVALID_JSON = "invalid_json"
    INVALID_YAML = "invalid_yaml"
    DUPLICATE_FIELD = "duplicate_field"
    INVALID_VALUE = "invalid_value"
    TOO_MANY_PROBLEMS = "too_many_problems"
    # Structure
    WRONG_TYPE = "wrong_type"
    MISSING_FIELD = "missing_field"
    UNKNOWN_FIELD = "unknown_field"
    INVALID_CHOICE = "invalid_choice"
    UNSUPPORTED_MANIFEST_VERSION = "unsupported_manifest_version"
    INVALID_FORMAT = "invalid_format"
    INVALID_SEMVER = "invalid_semver"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    TOO_FEW = "too_few"
    TOO_MANY = "too_many"
    UNKNOWN_SCOPE = "unknown_scope"
    UNKNOWN_LEVEL = "unknown_level"
    UNKNOWN_EVENT = "unknown_event"
    UNKNOWN_LOCATION = "unknown_location"
    UNKNOWN_MODEL = "unknown_model"
    UNKNOWN_SETTING_TYPE = "unknown_setting_type"
    # Meaning
    DUPLICATE_ID = "duplicate_id"
    DUPLICATE_KEY = "duplicate_key"
    DUPLICATE_URI = "duplicate_uri"
    DUPLICATE_OPTION = "duplicate_option"
    INVALID_URL = "invalid_url"
    INSECURE_URL = "insecure_url"
    EVENT_NOT_COVERED = "event_not_covered"
    MODEL_NOT_COVERED = "model_not_covered"
    FIELD_NOT_ALLOWED = "field_not_allowed"
    INVALID_DEFAULT = "invalid_default"
    RESERVED_KEY = "reserved_key"
    UNKNOWN_PLACEHOLDER = "unknown_placeholder"
    PLACEHOLDER_NOT_ALLOWED = "placeholder_not_allowed"
    SENSITIVE_NOT_ALLOWED = "sensitive_not_allowed"
    FORBIDDEN_HEADER = "forbidden_header"


class ManifestWarning(StrEnum):
    DUPLICATE_SCOPE = "duplicate_scope"
    SCOPE_LEVEL_OVERRIDDEN = "scope_level_overridden"
    SCOPE_OVERRIDDEN_BY_MODULE = "scope_overridden_by_module"
    LOCATION_MODEL_NOT_COVERED = "location_model_not_covered"
    DUPLICATE_SUBSCRIPTION = "duplicate_subscription"
