"""Pure rules of installations: setting values by type, consent splits, who may use an app.

No ORM and no request here.
"""

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from apps.accounts.actors import Actor
from apps.accounts.policies import account_can_administer
from apps.catalog.errors import CatalogError
from apps.catalog.manifests.types import Setting
from apps.installations.errors import InstallationError
from apps.scopes.policies import effective_scopes, scopes_exceeding

# Limits of setting values: long enough for real use, short enough for a form field.
STRING_MAX = 500
TEXT_MAX = 10_000
SECRET_MAX = 4_000
NUMBER_ABS_MAX = Decimal("1e15")
FILE_MAX_BYTES = 5 * 1024 * 1024
FILE_EXTENSIONS = frozenset(
    {"pdf", "png", "jpg", "jpeg", "webp", "gif", "txt", "csv", "json", "xml", "docx", "xlsx"}
)
MASK = "••••••••"


class SettingInvalid(ValueError):
    """A value a setting refuses; the message says what to enter instead."""


@dataclass(frozen=True)
class CleanValue:
    """What to store for one setting: a plain ``value``, or a ``secret`` to encrypt, or
    ``clear`` to remove the stored value."""

    value: Any = None
    secret: str | None = None
    clear: bool = False


def setting_value_clean(setting: Setting, raw: Any) -> CleanValue:
    """Check ``raw`` against ``setting``'s type and return what to store.

    ``None`` or an empty string means "no value" (refused when the setting is required,
    except for secrets, where empty means "keep the stored secret": the caller decides).
    Raises ``SettingInvalid`` with a message for the person filling the form.
    """
    empty = raw is None or (isinstance(raw, str) and raw.strip() == "")
    kind = setting.type
    if kind == "file":
        raise SettingInvalid("Upload a file for this setting.")
    if empty:
        if setting.required and kind != "secret":
            raise SettingInvalid("This setting is required.")
        return CleanValue(clear=True)
    if kind in ("string", "text"):
        if not isinstance(raw, str):
            raise SettingInvalid("Enter text.")
        value = raw.strip() if kind == "string" else raw.replace("\r\n", "\n")
        limit = STRING_MAX if kind == "string" else TEXT_MAX
        if kind == "string" and "\n" in value:
            raise SettingInvalid("Enter a single line.")
        if len(value) > limit:
            raise SettingInvalid(f"Use at most {limit} characters (this has {len(value)}).")
        if "\x00" in value:
            raise SettingInvalid("Remove the NUL character.")
        return CleanValue(value=value)
    if kind == "number":
        return CleanValue(value=_number(raw))
    if kind == "boolean":
        return CleanValue(value=_boolean(raw))
    if kind == "select":
        allowed = [o.value for o in setting.options]
        if not isinstance(raw, str) or raw not in allowed:
            raise SettingInvalid(f"Choose one of: {', '.join(allowed)}.")
        return CleanValue(value=raw)
    if kind == "reference":
        return CleanValue(value=_record_id(raw, setting.model or "record"))
    if kind == "secret":
        if not isinstance(raw, str):
            raise SettingInvalid("Enter the secret as text.")
        if raw == MASK:
            raise SettingInvalid("Enter the new secret, or leave the field empty to keep it.")
        if len(raw) > SECRET_MAX:
            raise SettingInvalid(f"Use at most {SECRET_MAX} characters.")
        if "\x00" in raw:
            raise SettingInvalid("Remove the NUL character.")
        return CleanValue(secret=raw)
    raise SettingInvalid(f"Settings of type {kind!r} cannot be edited here.")


def _number(raw: Any) -> int | float:
    if isinstance(raw, bool):
        raise SettingInvalid("Enter a number.")
    if isinstance(raw, int | float):
        number = Decimal(str(raw))
    elif isinstance(raw, str):
        try:
            number = Decimal(raw.strip().replace(",", "."))
        except InvalidOperation as exc:
            raise SettingInvalid("Enter a number, e.g. 30 or 2.5.") from exc
    else:
        raise SettingInvalid("Enter a number.")
    if not number.is_finite() or abs(number) >= NUMBER_ABS_MAX:
        raise SettingInvalid("Enter a finite number below 10^15 in size.")
    return int(number) if number == number.to_integral_value() else float(number)


def _boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in ("true", "on", "1", "yes"):
        return True
    if isinstance(raw, str) and raw.strip().lower() in ("false", "off", "0", "no"):
        return False
    raise SettingInvalid("Choose yes or no (true or false).")


def _record_id(raw: Any, model: str) -> int:
    if isinstance(raw, bool):
        raise SettingInvalid(f"Enter the id of a {model} record.")
    try:
        value = int(str(raw).strip())
    except ValueError as exc:
        raise SettingInvalid(f"Enter the id of a {model} record (a whole number).") from exc
    if value < 1:
        raise SettingInvalid(f"Enter the id of a {model} record (a positive whole number).")
    return value


def setting_file_problem(*, name: str, size: int) -> str | None:
    """Why an uploaded setting file is refused, or ``None``."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in FILE_EXTENSIONS:
        return f"Upload one of these file types: {', '.join(sorted(FILE_EXTENSIONS))}."
    if size > FILE_MAX_BYTES:
        return f"The file is {size / 1024 / 1024:.1f} MB; upload at most 5 MB."
    if size == 0:
        return "The file is empty."
    return None


def secret_hint(secret: str) -> str:
    """The last characters shown after the mask, only for secrets long enough to keep
    most of themselves hidden."""
    return secret[-4:] if len(secret) >= 16 else ""


def secret_masked(hint: str) -> str:
    return f"{MASK}{hint}" if hint else MASK


@dataclass(frozen=True)
class ConsentSplit:
    """The scopes a consent screen shows: those granted before and those it asks anew."""

    already_approved: tuple[str, ...]
    new: tuple[str, ...]

    @property
    def asks_for_more(self) -> bool:
        return bool(self.new)


def consent_split(*, requested: Iterable[str], approved: Iterable[str] | None) -> ConsentSplit:
    """Split ``requested`` by whether ``approved`` already covers each scope (model by
    model, so ``crm:full`` covers ``crm.accounts:read``). No prior approval: all new."""
    wanted = effective_scopes(requested)
    if approved is None:
        return ConsentSplit(already_approved=(), new=wanted)
    before = list(approved)
    exceeding = set(scopes_exceeding(wanted, before))
    return ConsentSplit(
        already_approved=tuple(s for s in wanted if s not in exceeding),
        new=tuple(s for s in wanted if s in exceeding),
    )


def scopes_within(requested: Iterable[str], granted: Iterable[str]) -> bool:
    """Whether ``granted`` allows everything ``requested`` asks."""
    return not scopes_exceeding(list(requested), list(granted))


# Refusals of an installation that no longer lets its app act (what its tokens, codes
# and refreshes are refused with).
UNINSTALLED = "The app was uninstalled from this account; its tokens no longer work."
ACCOUNT_DEACTIVATED = "The account is deactivated."
NO_LONGER_MEMBER = "The user of this token is no longer a member of the account."
NO_ACCESS = (
    "The user of this token no longer has access to the app on this account; an admin "
    "can give it back under the app's access settings."
)


def installation_unusable_reason(*, status: str, account_is_active: bool) -> str | None:
    """Why an installed app cannot act on its account now, or ``None`` when it can.

    Guarantees the one meaning of "the installation is usable": it is ``active`` (not
    being uninstalled nor gone) and its account is not deactivated. Every API request,
    introspection and refresh of the app's tokens asks this, so an uninstall or a
    deactivated account takes effect on the very next request.
    """
    if status != "active":
        return UNINSTALLED
    if not account_is_active:
        return ACCOUNT_DEACTIVATED
    return None


def member_may_use_app(
    *,
    membership_account_id: int | None,
    installation_account_id: int,
    is_admin: bool,
    admitted_by_rule: bool,
) -> bool:
    """Whether a member may use the app an installation put on their account.

    ``membership_account_id`` is the account of the member's membership (``None`` when
    there is none: removed from the account, or deactivated); ``admitted_by_rule`` says
    whether the installation is for everyone or one of its access rules names the
    member's role or one of their groups.

    Guarantees: nobody outside the installation's account; admins always; other members
    only through "everyone" or an access rule (an installation with neither is for admins
    only).
    """
    if membership_account_id is None or membership_account_id != installation_account_id:
        return False
    return is_admin or admitted_by_rule


def member_refusal(
    *,
    membership_account_id: int | None,
    installation_account_id: int,
    is_admin: bool,
    admitted_by_rule: bool,
) -> str | None:
    """``member_may_use_app`` with the reason of a refusal, for tokens: the member is gone
    from the account, or no access rule lets them use the app; ``None`` when they may."""
    if membership_account_id is None or membership_account_id != installation_account_id:
        return NO_LONGER_MEMBER
    if member_may_use_app(
        membership_account_id=membership_account_id,
        installation_account_id=installation_account_id,
        is_admin=is_admin,
        admitted_by_rule=admitted_by_rule,
    ):
        return None
    return NO_ACCESS


def settings_of_level(settings: Iterable[Setting], level: str) -> list[Setting]:
    return [s for s in settings if s.level == level]


def settings_needing_setup(
    settings: Iterable[Setting], *, set_keys: Collection[str]
) -> tuple[Setting, ...]:
    """The app-level settings an installation still needs before the app can work: those
    the manifest marks required, without a default, that have no stored value
    (``set_keys``: the keys of the installation's stored app-level values).

    "Needs setup" is exactly "this is not empty". It refuses nothing: the app's tokens
    keep working, and the app decides what to do without the values."""
    return tuple(
        s
        for s in settings
        if s.level == "app" and s.required and s.default is None and s.key not in set_keys
    )


def install_refusal(
    *,
    app_type: str,
    app_status: str,
    version_status: str,
    own_account: bool,
    via_link: bool,
    installed: bool = False,
) -> CatalogError | InstallationError | None:
    """Why a version cannot be installed on an account from where it is asked, as a
    stable code; ``None`` when it can.

    The developer's own account and install links take any version that is not rejected
    (the developer tries it, or shares that exact version). An account that has the app
    installed (``installed``: an update) takes its published versions, private app or
    not. Anyone else gets published versions of public apps only.
    """
    from apps.catalog.policies import version_install_blocker

    blocker = version_install_blocker(app_status=app_status, version_status=version_status)
    if blocker:
        return blocker
    if own_account or via_link:
        return None
    if installed:
        return None if version_status == "published" else InstallationError.VERSION_NOT_PUBLISHED
    if app_type != "public":
        return InstallationError.PRIVATE_APP
    if version_status != "published":
        return InstallationError.VERSION_NOT_PUBLISHED
    return None


# --- who may act on an installation ------------------------------------------------------


def installation_can_manage(actor: Actor, *, account_id: int) -> bool:
    """Whether ``actor`` may install, update, pin, uninstall and give access to apps of
    account ``account_id``, and change their app-level settings: an admin of that
    account, or one of its API keys (which act as the account's admin). App tokens and
    members of other accounts never."""
    return actor.account_id == account_id and account_can_administer(actor, api_keys=True)


class SettingsRefusal(StrEnum):
    """Why a caller may not reach some settings. ``OUTSIDER`` answers "not found" (the
    installation is another account's); the others "forbidden"."""

    OUTSIDER = "outsider"
    ADMIN_ONLY = "admin_only"
    NOT_OWN = "not_own"
    MAY_NOT_USE = "may_not_use"


def settings_refusal(
    actor: Actor,
    *,
    account_id: int,
    level: str,
    target_user_id: int | None,
    may_use: Callable[[], bool],
    installation_id: int | None = None,
) -> SettingsRefusal | None:
    """Whose settings ``actor`` may read and change in an installation of account
    ``account_id``: the one rule the API, the console and the settings service share.

    App-level settings: the account's admins and API keys only. User-level settings
    (``target_user_id``): admins and API keys reach anyone's (whether the target is a
    member is for the caller's lookup to say); a member reaches only their own, and only
    while they may use the app (``may_use``); an app's token only its user's own in its
    installation (``installation_id``). ``None`` when allowed."""
    if actor.account_id != account_id:
        return SettingsRefusal.OUTSIDER
    if actor.via_app_token:
        own = installation_id is not None and actor.installation.pk == installation_id
        mine = own and level == "user" and target_user_id == actor.user_id
        return None if mine else SettingsRefusal.OUTSIDER
    if installation_can_manage(actor, account_id=account_id):
        return None
    if level == "app":
        return SettingsRefusal.ADMIN_ONLY
    if target_user_id is None or target_user_id != actor.user_id:
        return SettingsRefusal.NOT_OWN
    if not may_use():
        return SettingsRefusal.MAY_NOT_USE
    return None


# Embedding locations that need no record, so an installed app can be opened on its own.
STANDALONE_LOCATIONS = frozenset({"main_menu", "dashboard.widget", "settings.page"})


def embedding_launch_url(
    url: str,
    *,
    protocol: str,
    domain: str,
    language: str,
    code: str,
    embedding_id: str,
    app_code: str,
    version: str,
    record_id: int | None = None,
) -> str:
    """The embedding's page with the launch context an embedded app receives: protocol,
    account domain, interface language, the embedding's code and id, the app code and
    the version number (and the record's id on record cards)."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [
        ("protocol", protocol),
        ("domain", domain),
        ("lang", language),
        ("code", code),
        ("embedding_id", embedding_id),
        ("app", app_code),
        ("version", version),
    ]
    if record_id is not None:
        query.append(("record_id", str(record_id)))
    return urlunsplit(parts._replace(query=urlencode(query)))
