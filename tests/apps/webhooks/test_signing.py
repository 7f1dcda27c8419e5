"""Signatures to the Standard Webhooks spec: ``v1`` verified by the ``standardwebhooks``
package with the app's secret, ``v1a`` by ``cryptography``'s ed25519 with the published
public key; during a rotation both secrets sign for the overlap, then only the new one."""

import base64
import json
from datetime import timedelta

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from apps.accounts.actors import actor_system
from apps.core.crypto import decrypt
from apps.webhooks.models import Delivery, SigningSecret
from apps.webhooks.services import (
    delivery_send,
    events_fan_out,
    signing_secret_current,
    signing_secret_rotate,
    signing_secrets_live,
)
from apps.webhooks.services.secrets import signing_secrets_expired_purge
from apps.webhooks.signing import platform_public_key, signature_headers
from tests.apps.webhooks.conftest import change

pytestmark = pytest.mark.django_db


def verify_v1a(headers: dict[str, str], body: bytes, public_key: str) -> None:
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key.removeprefix("whpk_")))
    content = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    signatures = [
        s.split(",", 1)[1] for s in headers["webhook-signature"].split(" ") if s.startswith("v1a,")
    ]
    assert len(signatures) == 1
    key.verify(base64.b64decode(signatures[0]), content)


def _deliver(receiver, subscribed, account):
    r = receiver()
    installation = subscribed(r.url)
    change(account)
    events_fan_out()
    delivery = Delivery.objects.get(installation=installation)
    assert delivery_send(delivery_id=delivery.pk) == "succeeded"
    return installation, delivery, r


def test_a_delivery_verifies_with_the_apps_secret_and_the_platforms_public_key(
    receiver, subscribed, account
):
    installation, delivery, r = _deliver(receiver, subscribed, account)
    got = r.received[-1]
    secret = signing_secret_current(app_id=installation.app_id)

    assert secret.startswith("whsec_")
    payload = Webhook(secret).verify(got.body, got.headers)
    assert payload["type"] == "crm.account.created"
    assert got.headers["webhook-id"] == delivery.uid
    assert got.headers["content-type"] == "application/json"
    verify_v1a(got.headers, got.body, platform_public_key())

    # Another app's secret, a changed body or another key verify nothing.
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + base64.b64encode(b"x" * 32).decode()).verify(got.body, got.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(got.body.replace(b"Initech", b"Initrod"), got.headers)
    with pytest.raises(InvalidSignature):
        verify_v1a(got.headers, got.body + b" ", platform_public_key())


def test_the_secret_is_encrypted_at_rest_and_not_the_client_secret(receiver, subscribed, account):
    installation, _delivery, _got = _deliver(receiver, subscribed, account)
    row = SigningSecret.objects.get(app_id=installation.app_id)
    secret = signing_secret_current(app_id=installation.app_id)

    assert secret not in row.secret_encrypted
    assert decrypt(row.secret_encrypted) == secret
    assert installation.app.oauth_application.client_secret != secret


def test_during_a_rotation_old_and_new_secrets_both_verify_for_24_hours(
    receiver, subscribed, account
):
    installation, _d, r = _deliver(receiver, subscribed, account)
    app = installation.app
    old = signing_secret_current(app_id=app.pk)

    new = signing_secret_rotate(app=app, actor=actor_system(label="test"))

    assert new != old and new.startswith("whsec_")
    assert signing_secret_current(app_id=app.pk) == new
    assert signing_secrets_live(app_id=app.pk) == [new, old]
    change(account, "Globex")
    events_fan_out()
    delivery = Delivery.objects.filter(installation=installation, attempts=0).get()
    assert delivery_send(delivery_id=delivery.pk) == "succeeded"
    received = r.received[-1]
    assert received.headers["webhook-id"] == delivery.uid
    for secret in (old, new):
        assert Webhook(secret).verify(received.body, received.headers)["type"] == (
            "crm.account.created"
        )

    # A day later only the new secret signs.
    later = timezone.now() + timedelta(hours=24, seconds=1)
    assert signing_secrets_live(app_id=app.pk, now=later) == [new]
    headers = signature_headers(
        msg_id="msg_x",
        timestamp=int(later.timestamp()),
        body=b"{}",
        app_secrets=signing_secrets_live(app_id=app.pk, now=later),
    )
    assert headers["webhook-signature"].count("v1,") == 1
    assert signing_secrets_expired_purge(now=later) == 1
    assert SigningSecret.objects.filter(app=app).count() == 1


def test_headers_follow_the_spec():
    headers = signature_headers(
        msg_id="msg_abc",
        timestamp=1700000000,
        body=json.dumps({"a": 1}).encode(),
        app_secrets=["whsec_" + base64.b64encode(b"k" * 32).decode()],
    )

    assert headers["webhook-id"] == "msg_abc"
    assert headers["webhook-timestamp"] == "1700000000"
    versions = [s.split(",", 1)[0] for s in headers["webhook-signature"].split(" ")]
    assert versions == ["v1", "v1a"]
    assert platform_public_key().startswith("whpk_")
