"""Subscription health: at risk after a day of failures, disabled after five days with
no success, enabled again by a person (with a replay of what failed meanwhile).

Every attempt's outcome updates the subscription's health row in the attempt's own
transaction (``health_record_attempt``); the periodic ``webhooks.health_evaluate`` moves
states by the pure rule and e-mails the developer account's members once per move, the
move being a compare-and-set on the old state. A disabled subscription gets no new
deliveries (fan-out skips it); its pending ones fail with ``subscription_disabled`` when
it is disabled, so they are replayed with the rest when it is enabled again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from apps.accounts.actors import Actor
from apps.accounts.models import Membership
from apps.core.errors import Conflict, NotFound
from apps.installations.models import Installation, WebhookSubscription
from apps.installations.services import installation_lock_active
from apps.jobs.models import Job
from apps.webhooks.errors import WebhookError
from apps.webhooks.models import Delivery, SubscriptionHealth
from apps.webhooks.policies import HealthState, health_notifies, subscription_health_state

logger = logging.getLogger(__name__)

DISABLED_MESSAGE = "The subscription was disabled after failing for days; replay it once enabled."
NOT_DISABLED = "Only a disabled subscription can be enabled: this one is not disabled."


def health_record_attempt(*, delivery: Delivery, succeeded: bool, now: datetime) -> None:
    """Note an attempt's outcome on its subscription's health, in the caller's
    transaction. A success clears the failure (an at-risk subscription is healthy again;
    a disabled one stays disabled); a failure starts the clock if it is not running.
    Subscriptions that never failed have no row and cost no write on success."""
    sid = delivery.subscription_id
    if sid is None:
        return
    rows = SubscriptionHealth.objects.filter(subscription_id=sid)
    if succeeded:
        rows.exclude(state=HealthState.DISABLED).update(
            state=HealthState.HEALTHY,
            failing_since=None,
            at_risk_at=None,
            last_success_at=now,
            updated_at=now,
        )
        return
    SubscriptionHealth.objects.get_or_create(
        subscription_id=sid,
        defaults={"installation_id": delivery.installation_id, "updated_at": now},
    )
    rows.filter(failing_since__isnull=True).update(failing_since=now, updated_at=now)
    rows.update(last_failure_at=now)


def subscriptions_not_disabled(
    rows: QuerySet[WebhookSubscription],
) -> QuerySet[WebhookSubscription]:
    """``rows`` without the disabled subscriptions: they get nothing new until a person
    enables them again."""
    return rows.exclude(
        pk__in=SubscriptionHealth.objects.filter(state=HealthState.DISABLED).values(
            "subscription_id"
        )
    )


def subscription_disabled_health(*, subscription: WebhookSubscription) -> SubscriptionHealth:
    """The health row of ``subscription``, to enable it; ``Conflict`` when it is not
    disabled."""
    health = SubscriptionHealth.objects.filter(
        subscription_id=subscription.pk, state=HealthState.DISABLED
    ).first()
    if health is None:
        raise Conflict(NOT_DISABLED)
    return health


def subscription_is_disabled(*, subscription_id: int) -> bool:
    return SubscriptionHealth.objects.filter(
        subscription_id=subscription_id, state=HealthState.DISABLED
    ).exists()


def _members_emails(health: SubscriptionHealth) -> list[str]:
    account_id = health.installation.app.account_id
    return list(
        Membership.objects.filter(account_id=account_id, is_active=True, user__is_active=True)
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )


def _notify(health_id: int, state: str) -> None:
    """E-mail the app's developer account's members that a subscription became at risk
    or disabled. A failing mail server is logged: the console and API still show it."""
    health = (
        SubscriptionHealth.objects.select_related(
            "installation__app__account", "installation__account"
        )
        .filter(pk=health_id)
        .first()
    )
    sub = WebhookSubscription.objects.filter(pk=health.subscription_id).first() if health else None
    if health is None or sub is None:
        return
    context = {
        "health": health,
        "state": state,
        "sub": sub,
        "app": health.installation.app,
        "account": health.installation.account,
        "disable_days": settings.WEBHOOK_DISABLE_DAYS,
    }
    subject = render_to_string("emails/webhook_health_subject.txt", context).strip()
    body = render_to_string("emails/webhook_health.txt", context)
    recipients = _members_emails(health)
    for email in recipients:
        try:
            send_mail(subject, body, None, [email])
        except Exception:
            logger.exception("The webhook health e-mail to %s failed.", email)


def _disable_pending(subscription_id: int, now: datetime) -> int:
    return Delivery.objects.filter(
        subscription_id=subscription_id, status=Delivery.Status.PENDING
    ).update(
        status=Delivery.Status.FAILED,
        next_attempt_at=None,
        finished_at=now,
        updated_at=now,
        last_error=DISABLED_MESSAGE,
        last_error_code=WebhookError.SUBSCRIPTION_DISABLED.value,
    )


@transaction.atomic
def _move(health: SubscriptionHealth, new: HealthState, now: datetime) -> bool:
    fields: dict[str, object] = {"state": new, "updated_at": now}
    if new is HealthState.AT_RISK:
        fields["at_risk_at"] = now
    if new is HealthState.DISABLED:
        fields["disabled_at"] = now
    moved = SubscriptionHealth.objects.filter(
        pk=health.pk, state=health.state, failing_since=health.failing_since
    ).update(**fields)
    if not moved:
        return False
    if new is HealthState.DISABLED:
        _disable_pending(health.subscription_id, now)
    if health_notifies(old=health.state, new=new):
        transaction.on_commit(lambda: _notify(health.pk, new.value))
    logger.info("Webhook subscription %s is now %s.", health.subscription_id, new.value)
    return True


def subscriptions_health_evaluate(*, now: datetime | None = None) -> int:
    """Move every failing subscription to the state the rule gives at ``now`` and
    e-mail once per move. Idempotent and safe to run concurrently (each move is a
    compare-and-set on the old state). Returns how many moved."""
    now = now or timezone.now()
    rows = SubscriptionHealth.objects.filter(failing_since__isnull=False).exclude(
        state=HealthState.DISABLED
    )
    moved = 0
    for health in rows.iterator():
        new = subscription_health_state(
            state=health.state,
            failing_since=health.failing_since,
            now=now,
            at_risk_after=timedelta(hours=settings.WEBHOOK_AT_RISK_HOURS),
            disable_after=timedelta(days=settings.WEBHOOK_DISABLE_DAYS),
        )
        if new != health.state and _move(health, new, now):
            moved += 1
    return moved


@transaction.atomic
def subscription_enable(
    *, health: SubscriptionHealth, actor: Actor, replay: bool = False
) -> Job | None:
    """Enable a disabled subscription again: healthy, new events delivered from now on.
    With ``replay``, also queue the replay of its deliveries that failed since it began
    failing (their own ``webhook-id``s), returning the job. Who may do it was decided
    when ``health`` was read for ``actor`` (the app's developers, the account's admins).
    Raises ``Conflict`` when it is not disabled (enabled meanwhile)."""
    from apps.webhooks.jobs import deliveries_replay_failed_start

    now = timezone.now()
    since = health.failing_since or health.disabled_at or now
    enabled = SubscriptionHealth.objects.filter(pk=health.pk, state=HealthState.DISABLED).update(
        state=HealthState.HEALTHY,
        failing_since=None,
        at_risk_at=None,
        enabled_at=now,
        enabled_by=actor.label[:200],
        updated_at=now,
    )
    if not enabled:
        raise Conflict(NOT_DISABLED)
    logger.info("Webhook subscription %s enabled by %s.", health.subscription_id, actor.label)
    health.refresh_from_db()
    if not replay:
        return None
    installation = health.installation
    # Deliveries made up to the retry schedule's length before the first failure may
    # have failed after it: the job takes those that finished failing since then.
    return deliveries_replay_failed_start(
        app=installation.app,
        actor=actor,
        since=since - timedelta(seconds=sum(settings.WEBHOOK_RETRY_SCHEDULE) + 3600),
        finished_since=since,
        account_id=installation.account_id,
        subscription_id=health.subscription_id,
        job_account=actor.account,
    )


def installation_subscription_enable(
    *, installation: Installation, subscription_id: int, actor: Actor, replay: bool = False
) -> tuple[SubscriptionHealth, Job | None]:
    """The account's admin enables a disabled subscription of an installed app again
    (``subscription_enable``), from the console or the API alike. The caller has read
    the installation for the admin (``installation_get_for``). Raises ``Conflict``
    (``not_active``, ``app_deleting``) while the installation is on its way out,
    ``NotFound`` for a subscription of another installation, ``Conflict`` when it is not
    disabled. Returns the health, enabled, and the replay job when asked."""
    with transaction.atomic():
        installation_lock_active(
            installation,
            refusal="The app is being uninstalled; its webhooks cannot be enabled again.",
        )
        sub = WebhookSubscription.objects.filter(
            pk=subscription_id, installation_id=installation.pk
        ).first()
        if sub is None:
            raise NotFound("No such webhook subscription of this installed app.")
        health = subscription_disabled_health(subscription=sub)
        return health, subscription_enable(health=health, actor=actor, replay=replay)
