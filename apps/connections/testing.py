"""The connection test: the manifest's request sent with the installation's stored
credentials (parameters substituted, the access token refreshed first when it is due),
its outcome kept as the installation's last result."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from django.utils import timezone

from apps.accounts.actors import Actor
from apps.catalog.manifests.connection import ACCESS_TOKEN, ConnectionTest, placeholders_fill
from apps.connections.authorization import connection_access_token, plain_parameters
from apps.connections.errors import ConnectionsError
from apps.connections.models import ConnectionTestResult, ConnectionValue
from apps.connections.selectors import connection_of, connection_setup_missing
from apps.connections.services import require_manager
from apps.core.crypto import decrypt
from apps.core.errors import ApplicationError, NotFound
from apps.core.outbound import OutboundError, outbound_request
from apps.installations.models import Installation
from apps.installations.policies import MASK

EXCERPT_LINES = 5
EXCERPT_CHARS = 500


def _secrets(installation: Installation) -> dict[str, str]:
    rows = ConnectionValue.objects.filter(installation=installation).exclude(secret="")
    return {r.key: decrypt(r.secret) for r in rows}


def _excerpt(body: str, hidden: Mapping[str, str]) -> str:
    """The answer's first lines, without any credential the request carried."""
    text = "\n".join(body.splitlines()[:EXCERPT_LINES])[:EXCERPT_CHARS]
    for value in hidden.values():
        if value and len(value) >= 4:
            text = text.replace(value, MASK)
    return text


def _values(installation: Installation, test: ConnectionTest) -> tuple[dict[str, str], str]:
    """Every value the test may use, and why it cannot run (empty when it can)."""
    values = {**plain_parameters(installation), **_secrets(installation)}
    uses_token = ACCESS_TOKEN in test.url + "".join(v for _, v in test.headers)
    if connection_of(installation).type == "oauth2" or uses_token:
        try:
            values[ACCESS_TOKEN], _row = connection_access_token(installation=installation)
        except ApplicationError as exc:
            return values, exc.message
    return values, ""


def connection_test_run(
    *,
    installation: Installation,
    actor: Actor | None,
    trigger: str = ConnectionTestResult.Trigger.ADMIN,
) -> ConnectionTestResult:
    """Send the declared test now and keep its outcome. ``actor`` is the admin pressing
    Test (checked), or ``None`` when the platform runs it after a connect or a save."""
    if actor is not None:
        require_manager(actor, installation)
    test = connection_of(installation).test
    if test is None:
        raise NotFound(
            "This app's version declares no connection test.", code=ConnectionsError.NO_CONNECTION
        )
    values, blocked = _values(installation, test)
    outcome: dict[str, object] = {
        "message": blocked,
        "failure": str(ConnectionsError.NOT_CONNECTED) if blocked else "",
    }
    if not blocked:
        outcome = _send(test, values)
    result, _created = ConnectionTestResult.objects.update_or_create(
        installation=installation,
        defaults={
            "passed": False,
            "status_code": None,
            "latency_ms": None,
            "excerpt": "",
            **outcome,
            "trigger": trigger,
            "tested_at": timezone.now(),
            "tested_by": actor.user if actor is not None else None,
        },
    )
    return result


def _send(test: ConnectionTest, values: Mapping[str, str]) -> dict[str, object]:
    url = placeholders_fill(test.url, {k: quote(v, safe="") for k, v in values.items()})
    headers = {name: placeholders_fill(value, values) for name, value in test.headers}
    try:
        answer = outbound_request(test.method, url, headers=headers)
    except OutboundError as exc:
        return {"failure": str(exc.failure), "message": exc.message}
    passed = test.passes(answer.status)
    expected = ", ".join(map(str, test.expect_status)) or "2xx"
    return {
        "passed": passed,
        "status_code": answer.status,
        "latency_ms": answer.elapsed_ms,
        "excerpt": _excerpt(answer.text(), values),
        "message": "" if passed else f"The answer was {answer.status}; {expected} means success.",
    }


def connection_test_after(
    *, installation: Installation, trigger: str
) -> ConnectionTestResult | None:
    """The test, run once by the platform after a connect or a save, when the version
    declares one and its required parameters are there; ``None`` when it did not run."""
    connection = connection_of(installation)
    if connection.test is None or connection_setup_missing(installation=installation):
        return None
    return connection_test_run(installation=installation, actor=None, trigger=trigger)
