"""The review queue: moderators only, oldest submission first, filters, search, claim
buttons, and a query count that does not grow with the rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.accounts.actors import actor_for_user
from apps.catalog.models import AppVersion, VersionStatus
from apps.catalog.services import app_delete
from apps.moderation.services import review_claim
from tests.console.conftest import login_url
from tests.console.moderation.conftest import age
from tests.factories import make_app, make_version

URL = reverse("console:moderation:review-list")


def claim_url(version: AppVersion) -> str:
    return reverse("console:moderation:review-claim", kwargs={"version_id": version.pk})


def rows(response) -> list[str]:
    return [f"{v.app.name} {v.number}" for v in response.context["cl"].rows]


@pytest.fixture
def queue(account, other_account, public_app, other_moderator):
    """Four versions waiting 2, 10, 5 and 20 days; Reporter 1.0.0 (Globex's) is claimed by
    the other moderator."""
    reporter = make_app(account=other_account, name="Reporter", type="public")
    versions = {
        "invoicer 1.0": age(make_version(app=public_app, number="1.0.0", status="submitted"), 2),
        "reporter 1.0": age(make_version(app=reporter, number="1.0.0", status="submitted"), 10),
        "reporter 2.0": age(make_version(app=reporter, number="2.0.0", status="submitted"), 5),
        "invoicer 2.0": age(make_version(app=public_app, number="2.0.0", status="submitted"), 20),
    }
    review_claim(version=versions["reporter 1.0"], actor=actor_for_user(user=other_moderator))
    return versions


class TestAccess:
    def test_anonymous_is_sent_to_login(self, client_for, queue):
        response = client_for(None).get(URL)

        assert response.status_code == 302
        assert response.url == login_url(URL)

    @pytest.mark.parametrize(
        "persona",
        [
            "member",
            "developer",
            "admin",
            "outsider",
            "other_developer",
            "staff_without_permission",
        ],
    )
    def test_everyone_but_moderators_is_refused(self, client_for, request, persona, queue):
        response = client_for(request.getfixturevalue(persona)).get(URL)

        assert response.status_code == 403
        html = response.content.decode()
        assert "Only platform moderators can review app versions." in html
        assert "Invoicer" not in html

    @pytest.mark.parametrize("persona", ["moderator", "staff"])
    def test_moderators_see_the_queue(self, client_for, request, persona, queue):
        response = client_for(request.getfixturevalue(persona)).get(URL)

        assert response.status_code == 200
        assert len(response.context["cl"].rows) == 4


class TestQueue:
    def test_oldest_submission_first(self, client_for, moderator, queue):
        response = client_for(moderator).get(URL)

        assert rows(response) == [
            "Invoicer 2.0.0",
            "Reporter 1.0.0",
            "Reporter 2.0.0",
            "Invoicer 1.0.0",
        ]

    def test_only_versions_waiting_for_or_in_review(self, client_for, moderator, account, queue):
        app = make_app(account=account, name="Drafts", type="public")
        for number, status in [
            ("1.0.0", "draft"),
            ("1.1.0", "approved"),
            ("1.2.0", "rejected"),
            ("1.3.0", "published"),
        ]:
            make_version(app=app, number=number, status=status)
        private = make_app(account=account, name="Private", type="private")
        make_version(app=private, number="1.0.0", status="published")
        going = make_app(account=account, name="Going", type="public")
        make_version(app=going, number="1.0.0", status="submitted")
        app_delete(app=going)

        response = client_for(moderator).get(URL)

        assert {v.app.name for v in response.context["cl"].rows} == {"Invoicer", "Reporter"}

    def test_rows_show_developer_status_age_and_claimant(self, client_for, moderator, queue):
        review_claim(version=queue["invoicer 1.0"], actor=actor_for_user(user=moderator))

        html = client_for(moderator).get(URL).content.decode()

        assert "<td>Acme Corp</td>" in html
        assert "<td>Globex</td>" in html
        assert '<span class="version-status version-status--in_review"' in html
        assert "2\xa0weeks, 6\xa0days</time>" in html
        assert "1\xa0week, 3\xa0days</time>" in html
        assert "5\xa0days</time>" in html
        # Over seven days is highlighted: Invoicer 2.0.0 (20 days) and Reporter 1.0.0 (10).
        assert html.count('class="overdue"') == 2
        assert html.count("Over 7 days</span>") == 2
        assert "<td>second.moderator@platform.test</td>" in html
        assert "<td>You</td>" in html

    def test_a_claim_button_on_each_unclaimed_row(self, client_for, moderator, queue):
        html = client_for(moderator).get(URL).content.decode()

        for key in ("invoicer 1.0", "reporter 2.0", "invoicer 2.0"):
            assert f'formaction="{claim_url(queue[key])}"' in html
        assert f'formaction="{claim_url(queue["reporter 1.0"])}"' not in html

    def test_the_claim_button_posts_with_the_csrf_token(self, moderator, queue):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(moderator)
        html = client.get(URL).content.decode()
        token = html.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]

        response = client.post(claim_url(queue["invoicer 1.0"]), {"csrfmiddlewaretoken": token})

        assert response.status_code == 302
        queue["invoicer 1.0"].refresh_from_db()
        assert queue["invoicer 1.0"].status == VersionStatus.IN_REVIEW

    def test_empty_queue(self, client_for, moderator):
        html = client_for(moderator).get(URL).content.decode()

        assert "Nothing waits for review." in html


class TestFilters:
    def test_by_app(self, client_for, moderator, queue, public_app):
        response = client_for(moderator).get(URL, {"app": public_app.pk})

        assert rows(response) == ["Invoicer 2.0.0", "Invoicer 1.0.0"]
        options = response.context["cl"].filter_specs[0]["options"]
        assert [o["label"] for o in options] == ["Invoicer", "Reporter"]

    def test_by_developer(self, client_for, moderator, queue, other_account):
        response = client_for(moderator).get(URL, {"developer": other_account.pk})

        assert rows(response) == ["Reporter 1.0.0", "Reporter 2.0.0"]

    @pytest.mark.parametrize(
        ("code", "expected"),
        [
            ("1d", ["Invoicer 2.0.0", "Reporter 1.0.0", "Reporter 2.0.0", "Invoicer 1.0.0"]),
            ("3d", ["Invoicer 2.0.0", "Reporter 1.0.0", "Reporter 2.0.0"]),
            ("7d", ["Invoicer 2.0.0", "Reporter 1.0.0"]),
            ("14d", ["Invoicer 2.0.0"]),
        ],
    )
    def test_by_age(self, client_for, moderator, queue, code, expected):
        assert rows(client_for(moderator).get(URL, {"age": code})) == expected

    def test_age_choices_name_the_waits(self, client_for, moderator):
        response = client_for(moderator).get(URL)

        [age_filter] = [f for f in response.context["cl"].filter_specs if f["name"] == "age"]
        assert [o["label"] for o in age_filter["options"]] == [
            "Waiting over 1 day",
            "Waiting over 3 days",
            "Waiting over 7 days",
            "Waiting over 14 days",
        ]

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("no", ["Reporter 2.0.0", "Invoicer 1.0.0"]),
            ("me", ["Invoicer 2.0.0"]),
            ("others", ["Reporter 1.0.0"]),
        ],
    )
    def test_by_claim(self, client_for, moderator, queue, value, expected):
        review_claim(version=queue["invoicer 2.0"], actor=actor_for_user(user=moderator))

        assert rows(client_for(moderator).get(URL, {"claimed": value})) == expected

    def test_search_by_app_name(self, client_for, moderator, queue):
        response = client_for(moderator).get(URL, {"q": "report"})

        assert rows(response) == ["Reporter 1.0.0", "Reporter 2.0.0"]

    def test_an_unknown_filter_value_is_ignored(self, client_for, moderator, queue):
        response = client_for(moderator).get(URL, {"age": "99d", "claimed": "x", "app": "abc"})

        assert response.status_code == 200
        assert len(response.context["cl"].rows) == 4


def _clone_versions(app, count: int, *, start: int) -> None:
    """``count`` more submitted versions of ``app``, copied from its first one."""
    template = AppVersion.objects.filter(app=app).first()
    now = timezone.now()
    AppVersion.objects.bulk_create(
        AppVersion(
            app=app,
            number=f"{start + i}.0.0",
            status=VersionStatus.SUBMITTED,
            manifest=template.manifest,
            manifest_source=template.manifest_source,
            effective_scopes=template.effective_scopes,
            submitted_at=now,
        )
        for i in range(count)
    )


def test_queries_do_not_depend_on_rows(client_for, moderator, other_moderator, account):
    """1 row and 55 rows (a full page of 25, with logos, claimants and two developers)
    cost the same queries."""
    client = client_for(moderator)
    app = make_app(account=account, name="Invoicer", type="public")
    claimed = make_version(app=app, number="1.0.0", status="submitted")
    review_claim(version=claimed, actor=actor_for_user(user=other_moderator))
    client.get(URL)  # warm up the session and the permission cache

    with CaptureQueriesContext(connection) as one:
        response = client.get(URL)
    assert len(response.context["cl"].rows) == 1

    _clone_versions(app, 40, start=2)
    other = make_app(account=account, name="Reporter", type="public")
    make_version(app=other, number="1.0.0", status="submitted")
    _clone_versions(other, 13, start=2)
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL)

    assert response.context["cl"].count == 55
    assert len(response.context["cl"].rows) == 25
    assert len(many) == len(one), [q["sql"] for q in many]
