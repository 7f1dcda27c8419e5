"""``GET /api/v1/moderation/queue``: versions waiting for or in review, oldest submission
first, with their age and claimant; filters by app, developer, age and claim. The access
matrix is in test_access_matrix.py."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.actors import actor_for_user
from apps.catalog.models import AppVersion
from apps.catalog.services import app_delete
from apps.moderation.services import review_claim
from tests.apps.api.helpers import API, api_client, assert_error
from tests.factories import UserFactory
from tests.factories.catalog import make_app, make_version

pytestmark = pytest.mark.django_db

QUEUE = f"{API}/moderation/queue"


@pytest.fixture
def mod(moderator):
    return api_client(moderator)


def submitted(app, number: str = "1.0.0", *, days: float = 0, status: str = "submitted"):
    version = make_version(app=app, number=number, status=status)
    AppVersion.objects.filter(pk=version.pk).update(
        submitted_at=timezone.now() - timedelta(days=days)
    )
    version.refresh_from_db()
    return version


def rows(response) -> list[tuple[str, str]]:
    assert response.status_code == 200, response.content
    return [(item["app"]["name"], item["number"]) for item in response.json()["results"]]


def test_oldest_submission_first_with_age_and_claimant(mod, moderator, account, other_account):
    invoicer = make_app(account=account)
    radar = make_app(account=other_account, name="Deal radar")
    submitted(invoicer, "1.0.0", days=2)
    old = submitted(radar, "3.0.0", days=5)
    submitted(invoicer, "1.1.0", days=0.5)
    review_claim(version=old, actor=actor_for_user(user=moderator))
    make_version(app=make_app(account=account, name="Drafty"))
    make_version(app=make_app(account=account, name="Done"), status="approved")
    private = make_app(account=account, name="Private", type="private")
    make_version(app=private)
    gone = make_app(account=account, name="Gone")
    submitted(gone)
    app_delete(app=gone)

    response = mod.get(QUEUE)

    assert rows(response) == [("Deal radar", "3.0.0"), ("Invoicer", "1.0.0"), ("Invoicer", "1.1.0")]
    first = response.json()["results"][0]
    assert set(first) == {
        "id",
        "app",
        "developer",
        "number",
        "status",
        "changelog",
        "submitted_at",
        "age_seconds",
        "claimed_by",
    }
    assert first["id"] == old.pk
    assert first["app"] == {"code": str(radar.code), "name": "Deal radar"}
    assert first["developer"] == {"domain": "globex", "name": "Globex"}
    assert first["status"] == "in_review"
    assert first["claimed_by"] == "moderator@platform.test"
    assert 5 * 86400 - 5 <= first["age_seconds"] <= 5 * 86400 + 5
    assert response.json()["results"][1]["claimed_by"] is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("app=invo", [("Invoicer", "1.0.0"), ("Invoicer", "1.1.0")]),
        ("app=RADAR", [("Deal radar", "3.0.0")]),
        ("developer=globex", [("Deal radar", "3.0.0")]),
        ("developer=acme", [("Invoicer", "1.0.0"), ("Invoicer", "1.1.0")]),
        ("developer=nobody", []),
        ("min_age=1d", [("Deal radar", "3.0.0"), ("Invoicer", "1.0.0")]),
        ("min_age=3d", [("Deal radar", "3.0.0")]),
        ("min_age=7d", []),
        ("claimed=yes", [("Deal radar", "3.0.0"), ("Invoicer", "1.1.0")]),
        ("claimed=no", [("Invoicer", "1.0.0")]),
        ("claimed=mine", [("Deal radar", "3.0.0")]),
        ("app=invo&claimed=yes", [("Invoicer", "1.1.0")]),
    ],
)
def test_filters(mod, moderator, account, other_account, query, expected):
    invoicer = make_app(account=account)
    radar = make_app(account=other_account, name="Deal radar")
    submitted(invoicer, "1.0.0", days=2)
    review_claim(version=submitted(radar, "3.0.0", days=5), actor=actor_for_user(user=moderator))
    someone = UserFactory(email="other-mod@platform.test", is_staff=True, is_superuser=True)
    review_claim(version=submitted(invoicer, "1.1.0", days=0.5), actor=actor_for_user(user=someone))

    assert rows(mod.get(f"{QUEUE}?{query}")) == expected


@pytest.mark.parametrize(("name", "value"), [("min_age", "2d"), ("claimed", "maybe")])
def test_an_unknown_filter_value_names_the_parameter(mod, name, value):
    assert_error(mod.get(f"{QUEUE}?{name}={value}"), 400, "invalid", fields={name})


def test_the_query_count_does_not_grow_with_the_rows(mod, moderator, account):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert mod.get(f"{QUEUE}?page_size=100").status_code == 200
        return len(queries)

    review_claim(
        version=submitted(make_app(account=account, name="App 00")),
        actor=actor_for_user(user=moderator),
    )
    one = count()
    for index in range(1, 52):
        submitted(make_app(account=account, name=f"App {index:02}"))

    assert mod.get(f"{QUEUE}?page_size=100").json()["count"] == 52
    assert count() == one
