from tests.apps.catalog.api.helpers import account_key, other_developer, other_key

__all__ = ["account_key", "other_developer", "other_key"]
