"""Tenancy: users, accounts (tenants), memberships, roles, groups and API keys."""

from datetime import datetime

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from apps.core.models import TimeStampedModel


class ModuleCode(models.TextChoices):
    """The host product's modules that access rights and scopes refer to."""

    USERS = "users", "Users"
    CRM = "crm", "CRM"
    PRODUCTS = "products", "Products"
    FIN = "fin", "Finance"
    ST = "st", "Projects"
    TASK = "task", "Tasks"
    AGILE = "agile", "Agile"
    CALENDAR = "calendar", "Calendar"
    TIMETRACKER = "timetracker", "Time tracker"
    KNOWLEDGEBASE = "knowledgebase", "Knowledge base"
    WORKSPACE = "workspace", "Workspace"
    ORGCHART = "orgchart", "Org chart"
    CUSTOMLISTS = "customlists", "Custom lists"


class AccessLevel(models.TextChoices):
    NONE = "none", "No access"
    READ = "read", "Read"
    FULL = "full", "Full"


class Language(models.TextChoices):
    EN = "en", "English"
    PT = "pt", "Português"
    ES = "es", "Español"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: object) -> "User":
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> "User":
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Logs in with an e-mail address; belongs to accounts through memberships."""

    email = models.EmailField("e-mail address", max_length=254, unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    language = models.CharField(
        "interface language",
        max_length=2,
        choices=Language.choices,
        blank=True,
        default="",
        help_text="The language embedded apps are told to speak to this user; blank "
        "follows the account's.",
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False, help_text="Platform staff: may sign in to the Django admin."
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]
        permissions = [("moderate_apps", "Can review app versions in the moderation queue")]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.email.strip().lower()

    def save(self, *args: object, **kwargs: object) -> None:
        # One spelling per address: log-in, uniqueness and invitations all compare it.
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


slug_validator = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$",
    "Use 3 to 63 lowercase letters, digits and hyphens, starting and ending with a "
    "letter or digit.",
    code="invalid_slug",
)


class Account(TimeStampedModel):
    """A tenant of the host product, reached at ``<slug>.<product domain>``."""

    slug = models.CharField(
        "domain",
        max_length=63,
        unique=True,
        validators=[slug_validator],
        help_text="The account's sub-domain, e.g. 'mycompany'.",
    )
    name = models.CharField(max_length=200)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.EN)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"


class Role(TimeStampedModel):
    """A named set of module access rights within one account.

    ``rights`` maps module codes to ``none``/``read``/``full``; a module missing from the
    map means ``none``. The rights sit on this row so a membership loads with its rights
    in one query (``select_related("role")``).
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="roles")
    name = models.CharField(max_length=100)
    rights = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="accounts_role_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from apps.accounts.policies import rights_errors

        errors = rights_errors(self.rights)
        if errors:
            from django.core.exceptions import ValidationError

            raise ValidationError({"rights": errors})


class Group(TimeStampedModel):
    """A named set of members within one account (a team), used to give access to apps."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="accounts_group_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(TimeStampedModel):
    """A user's place in an account: role, groups and the admin and developer flags."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="memberships")
    role = models.ForeignKey(
        Role, on_delete=models.SET_NULL, null=True, blank=True, related_name="memberships"
    )
    groups = models.ManyToManyField(Group, blank=True, related_name="memberships")
    is_admin = models.BooleanField(
        "account admin",
        default=False,
        help_text="Installs and manages apps, API keys and members of the account.",
    )
    is_developer = models.BooleanField(
        "developer",
        default=False,
        help_text="Builds and publishes apps owned by the account in the Developer Console.",
    )
    is_active = models.BooleanField(
        default=True,
        help_text="A deactivated member keeps their place (role, groups, settings) but can "
        "neither work in the account nor use its apps; their app tokens are refused.",
    )

    class Meta:
        ordering = ["account__name", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "account"], name="accounts_membership_user_account_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.account.slug}"


class ApiKey(TimeStampedModel):
    """A secret that lets automation act for one account (not for a user).

    The full key is ``mpk_<key_id>_<secret>``; only ``key_id`` and a keyed hash of the
    whole key are stored, so the key cannot be read back after creation.
    """

    PREFIX = "mpk_"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    key_id = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.display_prefix}…)"

    @property
    def display_prefix(self) -> str:
        return f"{self.PREFIX}{self.key_id}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Invitation(TimeStampedModel):
    """An invitation to join an account, sent by e-mail with a link that expires.

    Only a keyed hash of the link's token is stored. The invitation carries what the
    membership will be (role, groups, admin and developer flags); accepting it creates
    the membership. At most one open invitation per address and account.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Revoked"
        EXPIRED = "expired", "Expired"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField("e-mail address", max_length=254)
    role = models.ForeignKey(
        Role, on_delete=models.SET_NULL, null=True, blank=True, related_name="invitations"
    )
    groups = models.ManyToManyField(Group, blank=True, related_name="invitations")
    is_admin = models.BooleanField("account admin", default=False)
    is_developer = models.BooleanField("developer", default=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    invited_by_label = models.CharField(max_length=254, blank=True)
    sent_at = models.DateTimeField()
    send_count = models.PositiveSmallIntegerField(default=1)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                "account",
                Lower("email"),
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="accounts_invitation_one_open_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} to {self.account.slug}"

    def status_at(self, now: datetime) -> str:
        if self.accepted_at is not None:
            return self.Status.ACCEPTED
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.expires_at <= now:
            return self.Status.EXPIRED
        return self.Status.PENDING

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())


class AccountEvent(models.Model):
    """One change to an account's people and rights: who, when, what. Append-only; shown
    to the account's admins as its history."""

    class Kind(models.TextChoices):
        MEMBER_INVITED = "member_invited", "Member invited"
        INVITATION_RESENT = "invitation_resent", "Invitation resent"
        INVITATION_REVOKED = "invitation_revoked", "Invitation revoked"
        INVITATION_ACCEPTED = "invitation_accepted", "Invitation accepted"
        MEMBER_CHANGED = "member_changed", "Member changed"
        MEMBER_DEACTIVATED = "member_deactivated", "Member deactivated"
        MEMBER_REACTIVATED = "member_reactivated", "Member reactivated"
        MEMBER_REMOVED = "member_removed", "Member removed"
        ROLE_CREATED = "role_created", "Role created"
        ROLE_CHANGED = "role_changed", "Role changed"
        ROLE_DELETED = "role_deleted", "Role deleted"
        GROUP_CREATED = "group_created", "Group created"
        GROUP_RENAMED = "group_renamed", "Group renamed"
        GROUP_DELETED = "group_deleted", "Group deleted"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=254)
    target = models.CharField(
        max_length=254, help_text="What changed: a member's e-mail, a role or group name."
    )
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.target}"
