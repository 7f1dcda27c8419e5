"""Who an API request acts as when it carries an account API key: the account, no user."""

from dataclasses import dataclass, field

from apps.accounts.models import Account, ApiKey


@dataclass
class ApiKeyPrincipal:
    api_key: ApiKey
    account: Account = field(init=False)
    is_authenticated: bool = True
    is_anonymous: bool = False
    is_active: bool = True
    is_staff: bool = False
    is_superuser: bool = False
    pk: None = None

    def __post_init__(self) -> None:
        self.account = self.api_key.account

    def __str__(self) -> str:
        return f"API key {self.api_key.display_prefix}"

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return False
