"""After publishing, the developer is led to the next sensible step: fill in the listing
and list the app (the refusal to list links to the listing form), or follow the rollout,
or install it; "Hide" is never the primary button."""

import re

import pytest
from django.urls import reverse

from apps.catalog.models import App, AppVersion, VersionEvent
from apps.catalog.services import app_deactivate, app_listing_update
from apps.jobs.kinds import VERSION_ROLLOUT
from apps.jobs.models import Job
from tests.factories.catalog import make_app, make_version

LISTING = {
    "summary": "Invoices from deals.",
    "description": "Creates invoices when deals close.",
    "support_email": "help@invoicer.example.com",
}


def app_url(name: str, app: App) -> str:
    return reverse(f"console:developer:{name}", kwargs={"code": app.code})


def version_url(name: str, version: AppVersion) -> str:
    return reverse(
        f"console:developer:{name}",
        kwargs={"code": version.app.code, "number": version.number},
    )


def state() -> tuple:
    return (
        list(App.objects.order_by("pk").values()),
        list(AppVersion.objects.order_by("pk").values()),
        list(VersionEvent.objects.order_by("pk").values()),
    )


def actions_card(html: str) -> str:
    return html.split('id="version-actions"')[1].split("</section>")[0]


def primary_buttons(html: str) -> list[str]:
    """The labels of the primary buttons in the version's "What you can do now" card."""
    return [
        re.sub(r"\s+", " ", label).strip()
        for label in re.findall(r'class="button button--primary"[^>]*>([^<]+)<', actions_card(html))
    ]


def button_class(html: str, label: str) -> str:
    match = re.search(rf'class="(button[^"]*)"[^>]*>{re.escape(label)}<', actions_card(html))
    assert match, f"no {label!r} button"
    return match.group(1)


@pytest.fixture
def public_app(account, developer):
    """A public app whose listing is still empty, as the demo's Helpdesk Bridge."""
    return make_app(account=account, name="Helpdesk Bridge", type="public", user=developer)


@pytest.fixture
def dev_client(client_for, developer):
    return client_for(developer)


class TestListingRefusal:
    def test_an_empty_listing_is_refused_with_a_link_to_the_listing_form(
        self, dev_client, public_app
    ):
        make_version(app=public_app, number="1.0.0", status="published")
        before = state()

        response = dev_client.post(app_url("app-list_in_catalog", public_app), follow=True)

        html = response.content.decode()
        assert "The app cannot be listed in the catalog yet." in html
        assert "Write a one-line summary for the catalog." in html
        assert "Give a support e-mail address or a support URL." in html
        assert f'<a href="{app_url("app-listing", public_app)}">Fill in the listing</a>' in html
        assert state() == before
        public_app.refresh_from_db()
        assert not public_app.is_listed

    def test_a_refusal_with_the_listing_complete_has_no_listing_link(self, dev_client, public_app):
        app_listing_update(app=public_app, **LISTING)
        before = state()

        response = dev_client.post(app_url("app-list_in_catalog", public_app), follow=True)

        html = response.content.decode()
        assert "Publish a version first (after moderation approves it)." in html
        assert "Fill in the listing</a>" not in html
        assert state() == before


class TestAppPage:
    def test_says_what_is_missing_and_links_to_the_listing_form(self, dev_client, public_app):
        make_version(app=public_app, number="1.0.0", status="published")

        html = dev_client.get(app_url("app-detail", public_app)).content.decode()

        problems = html.split('id="listing-problems"')[1].split("</ul>")[0]
        assert "Write a one-line summary for the catalog." in problems
        assert "Describe what the app does for the catalog." in problems
        assert "Publish a version first" not in problems
        listing = app_url("app-listing", public_app)
        assert f'<a class="button button--primary" href="{listing}">Fill in the listing</a>' in html
        assert '<button type="submit" class="button">List in catalog</button>' in html

    def test_a_complete_listing_makes_listing_the_primary_button(self, dev_client, public_app):
        make_version(app=public_app, number="1.0.0", status="published")
        app_listing_update(app=public_app, **LISTING)

        html = dev_client.get(app_url("app-detail", public_app)).content.decode()

        assert 'id="listing-problems"' not in html
        assert "it has everything the catalog needs" in html
        assert (
            '<button type="submit" class="button button--primary">List in catalog</button>' in html
        )


class TestVersionPageNextStep:
    def test_after_publishing_with_an_empty_listing_fill_it_in_is_primary(
        self, dev_client, public_app
    ):
        version = make_version(app=public_app, number="1.0.0", status="approved")

        response = dev_client.post(version_url("version-publish", version), follow=True)

        html = response.content.decode()
        assert "Version 1.0.0 is published." in html
        assert primary_buttons(html) == ["Fill in the listing"]
        assert f'id="next-step" href="{app_url("app-listing", public_app)}"' in html
        assert "the listing needs: summary, description, support e-mail or url." in html
        assert button_class(html, "Hide") == "button button--danger-ghost"

    def test_with_the_listing_complete_listing_it_is_primary(self, dev_client, public_app):
        version = make_version(app=public_app, number="1.0.0", status="published")
        app_listing_update(app=public_app, **LISTING)

        html = dev_client.get(version_url("version-detail", version)).content.decode()

        assert primary_buttons(html) == ["List in catalog"]
        assert f'action="{app_url("app-list_in_catalog", public_app)}" id="next-step"' in html
        assert button_class(html, "Hide") == "button button--danger-ghost"

        response = dev_client.post(app_url("app-list_in_catalog", public_app), follow=True)

        assert "“Helpdesk Bridge” is listed in the marketplace catalog." in (
            response.content.decode()
        )
        public_app.refresh_from_db()
        assert public_app.is_listed

    def test_once_listed_installing_it_is_primary(self, dev_client, public_app):
        version = make_version(app=public_app, number="1.0.0", status="published")
        App.objects.filter(pk=public_app.pk).update(is_listed=True, **LISTING)

        html = dev_client.get(version_url("version-detail", version)).content.decode()

        assert primary_buttons(html) == ["Install on my account"]
        assert html.count(f'href="{version_url("version-install", version)}"') == 1
        assert button_class(html, "Hide") == "button button--danger-ghost"

    def test_a_private_app_goes_to_installing_it(self, dev_client, account):
        app = make_app(account=account, name="Backoffice", type="private")
        version = make_version(app=app, number="1.0.0", status="published")

        html = dev_client.get(version_url("version-detail", version)).content.decode()

        assert primary_buttons(html) == ["Install on my account"]
        assert "List in catalog" not in actions_card(html)

    def test_a_rollout_under_way_is_followed_first(self, dev_client, account):
        app = make_app(account=account, name="Backoffice", type="private")
        version = make_version(app=app, number="2.0.0", status="published")
        job = Job.objects.create(
            kind=VERSION_ROLLOUT,
            account=account,
            target="Backoffice 2.0.0",
            payload={"version_id": version.pk},
        )

        html = dev_client.get(version_url("version-detail", version)).content.decode()

        assert primary_buttons(html) == ["Follow the rollout"]
        job_page = reverse("console:jobs:job-detail", kwargs={"job_id": job.pk})
        assert f'id="next-step" href="{job_page}"' in html

    def test_an_inactive_app_has_no_next_step(self, dev_client, public_app):
        version = make_version(app=public_app, number="1.0.0", status="published")
        app_listing_update(app=public_app, **LISTING)
        app_deactivate(app=public_app)

        html = dev_client.get(version_url("version-detail", version)).content.decode()

        assert primary_buttons(html) == []
        assert button_class(html, "Hide") == "button button--danger-ghost"

    @pytest.mark.parametrize(
        ("status", "primary"),
        [
            ("draft", ["Submit for review"]),
            ("approved", ["Publish"]),
            ("hidden", ["Publish again"]),
            ("submitted", []),
        ],
    )
    def test_before_publishing_the_move_forward_is_primary(
        self, dev_client, public_app, status, primary
    ):
        version = make_version(app=public_app, number="1.0.0", status=status)

        html = dev_client.get(version_url("version-detail", version)).content.decode()

        assert primary_buttons(html) == primary
        if status == "submitted":
            assert button_class(html, "Withdraw") == "button"
