"""Developer Console version pages: create from a manifest, detail, edit, the status moves,
the private and public lifecycles through the pages, and the self-install preview."""

import json
from urllib.parse import urlencode

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils.html import escape

from apps.accounts.models import Membership
from apps.catalog.models import App, AppStatus, AppVersion, InstallLink, VersionEvent
from apps.catalog.policies import Party
from apps.catalog.services import (
    app_deactivate,
    app_delete,
    install_link_revoke,
    version_transition,
)
from apps.jobs.kinds import VERSION_ROLLOUT
from apps.jobs.models import Job
from apps.scopes.policies import scope_phrase
from tests.console.conftest import login_url
from tests.factories import MembershipFactory, UserFactory
from tests.factories.catalog import (
    by,
    make_app,
    make_install_link,
    make_version,
    manifest_data,
    manifest_text,
)
from tests.factories.installations import make_installation

APP_CREATE = reverse("console:developer:app-create")

SCOPES_WITH_MODULE = [
    {"code": "crm", "level": "full", "reason": "Updates deals when invoices are paid."},
    {"code": "fin.invoices", "level": "full", "reason": "Creates invoices from deals."},
]


def app_url(name: str, app: App) -> str:
    return reverse(f"console:developer:{name}", kwargs={"code": app.code})


def version_url(name: str, app: App, number: str) -> str:
    return reverse(f"console:developer:{name}", kwargs={"code": app.code, "number": number})


def state() -> tuple:
    return (
        list(App.objects.order_by("pk").values()),
        list(AppVersion.objects.order_by("pk").values()),
        list(VersionEvent.objects.order_by("pk").values()),
        list(InstallLink.objects.order_by("pk").values()),
    )


def history(version: AppVersion) -> list[tuple[str, str, str, str]]:
    return [
        (e.actor_label, e.from_status, e.to_status, e.reason)
        for e in version.events.order_by("created_at", "pk")
    ]


@pytest.fixture
def other_developer(other_account):
    return MembershipFactory(
        account=other_account, user=UserFactory(email="dev@globex.test"), is_developer=True
    ).user


@pytest.fixture
def app(account, developer):
    return make_app(account=account, name="Invoicer", type="public", user=developer)


@pytest.fixture
def draft(app):
    return make_version(app=app, number="1.0.0", status="draft")


# --- the access matrix --------------------------------------------------------------------

DENIED = [
    ("member", 403),
    ("admin", 403),
    ("outsider", 403),
    ("other_developer", 404),
    ("moderator", 404),
    ("staff", 404),
]

VERSION_PAGES = [
    ("version-detail", "get", None),
    ("version-edit", "get", None),
    ("version-edit", "post", {"manifest": manifest_text("1.0.0"), "changelog": "Hijacked"}),
    ("version-submit", "post", {}),
    ("version-withdraw", "post", {}),
    ("version-publish", "post", {}),
    ("version-hide", "post", {}),
    ("version-install", "get", None),
]


def _request(client, name, method, data, app, number="1.0.0"):
    target = app_url(name, app) if name == "version-create" else version_url(name, app, number)
    return target, getattr(client, method)(target, data)


ALL_PAGES = [
    ("version-create", "get", None),
    ("version-create", "post", {"manifest": manifest_text("2.0.0")}),
    *VERSION_PAGES,
]


class TestAccessMatrix:
    @pytest.mark.parametrize(("name", "method", "data"), ALL_PAGES)
    def test_anonymous_is_sent_to_login_and_nothing_changes(
        self, client_for, draft, name, method, data
    ):
        before = state()

        target, response = _request(client_for(None), name, method, data, draft.app)

        assert response.status_code == 302
        assert response.url == login_url(target)
        assert state() == before

    @pytest.mark.parametrize(("persona", "status"), DENIED)
    @pytest.mark.parametrize(("name", "method", "data"), ALL_PAGES)
    def test_denied_personas_change_nothing(
        self, client_for, request, draft, persona, status, name, method, data
    ):
        client = client_for(request.getfixturevalue(persona))
        before = state()

        _target, response = _request(client, name, method, data, draft.app)

        assert response.status_code == status
        assert "Invoicer" not in response.content.decode()
        assert state() == before

    @pytest.mark.parametrize(("name", "method", "data"), VERSION_PAGES)
    def test_an_unknown_version_is_404(self, client_for, developer, draft, name, method, data):
        before = state()

        _target, response = _request(
            client_for(developer), name, method, data, draft.app, number="9.9.9"
        )

        assert response.status_code == 404
        assert state() == before

    @pytest.mark.parametrize("name", ["version-submit", "version-publish", "version-hide"])
    def test_moves_answer_post_only(self, client_for, developer, draft, name):
        before = state()

        response = client_for(developer).get(version_url(name, draft.app, "1.0.0"))

        assert response.status_code == 405
        assert state() == before


# --- lifecycles through the pages ------------------------------------------------------


class TestPrivateLifecycle:
    def test_create_publish_hide_publish_and_a_second_version(self, client_for, developer):
        client = client_for(developer)

        client.post(APP_CREATE, {"name": "Backoffice", "type": "private"})
        app = App.objects.get()
        assert client.get(app_url("version-create", app)).status_code == 200

        response = client.post(
            app_url("version-create", app),
            {"manifest": manifest_text("1.0.0"), "changelog": "First release."},
            follow=True,
        )

        detail = version_url("version-detail", app, "1.0.0")
        assert response.redirect_chain == [(detail, 302)]
        html = response.content.decode()
        assert "Version 1.0.0 is saved as a draft." in html
        assert f'action="{version_url("version-publish", app, "1.0.0")}"' in html
        assert version_url("version-submit", app, "1.0.0") not in html
        version = AppVersion.objects.get()
        assert (version.number, version.status, version.changelog, version.created_by) == (
            "1.0.0",
            "draft",
            "First release.",
            developer,
        )

        response = client.post(version_url("version-publish", app, "1.0.0"), follow=True)

        assert response.redirect_chain == [(detail, 302)]
        assert "Version 1.0.0 is published." in response.content.decode()
        version.refresh_from_db()
        assert version.status == "published"
        assert version.published_at is not None

        install = client.get(version_url("version-install", app, "1.0.0"))
        assert install.status_code == 200
        assert 'id="install-preview"' in install.content.decode()

        client.post(version_url("version-hide", app, "1.0.0"))
        version.refresh_from_db()
        assert version.status == "hidden"
        response = client.post(version_url("version-publish", app, "1.0.0"), follow=True)
        assert "Version 1.0.0 is published." in response.content.decode()

        client.post(
            app_url("version-create", app),
            {
                "manifest": manifest_text("1.1.0", scopes=SCOPES_WITH_MODULE),
                "changelog": "Deals too.",
            },
        )
        client.post(version_url("version-publish", app, "1.1.0"))

        assert dict(AppVersion.objects.values_list("number", "status")) == {
            "1.0.0": "published",
            "1.1.0": "published",
        }
        assert history(version) == [
            ("dev@acme.test", "", "draft", "Created."),
            ("dev@acme.test", "draft", "published", ""),
            ("dev@acme.test", "published", "hidden", ""),
            ("dev@acme.test", "hidden", "published", ""),
        ]
        html = client.get(version_url("version-detail", app, "1.1.0")).content.decode()
        assert f'diff-added">+ {scope_phrase("crm:full")} <code>crm:full</code>' in html
        removed = scope_phrase("crm.accounts:read")
        assert f'diff-removed">\N{MINUS SIGN} {removed} <code>crm.accounts:read</code>' in html
        assert "Needs consent" in html


class TestPublicLifecycle:
    def test_create_upload_submit_withdraw_and_submit_again(self, client_for, developer):
        client = client_for(developer)
        client.post(APP_CREATE, {"name": "Invoicer", "type": "public"})
        app = App.objects.get()
        upload = SimpleUploadedFile(
            "manifest.yaml", yaml.safe_dump(manifest_data("1.0.0")).encode()
        )

        response = client.post(
            app_url("version-create", app),
            {"manifest_file": upload, "changelog": "First release."},
            follow=True,
        )

        detail = version_url("version-detail", app, "1.0.0")
        assert response.redirect_chain == [(detail, 302)]
        version = AppVersion.objects.get()
        assert (version.status, version.manifest_format) == ("draft", "yaml")
        html = response.content.decode()
        assert f'action="{version_url("version-submit", app, "1.0.0")}"' in html
        assert version_url("version-publish", app, "1.0.0") not in html

        # A public draft cannot skip moderation.
        response = client.post(version_url("version-publish", app, "1.0.0"), follow=True)
        assert (
            "A draft version of a public app cannot become published. It can become: submitted."
            in response.content.decode()
        )
        version.refresh_from_db()
        assert version.status == "draft"

        response = client.post(version_url("version-submit", app, "1.0.0"), follow=True)

        assert response.redirect_chain == [(detail, 302)]
        assert "Version 1.0.0 is submitted" in response.content.decode()
        version.refresh_from_db()
        assert version.status == "submitted"
        assert version.submitted_at is not None
        assert f'action="{version_url("version-withdraw", app, "1.0.0")}"' in (
            response.content.decode()
        )

        client.post(version_url("version-withdraw", app, "1.0.0"))
        version.refresh_from_db()
        assert version.status == "draft"
        client.post(version_url("version-submit", app, "1.0.0"))
        version.refresh_from_db()
        assert version.status == "submitted"
        assert history(version) == [
            ("dev@acme.test", "", "draft", "Created."),
            ("dev@acme.test", "draft", "submitted", ""),
            ("dev@acme.test", "submitted", "draft", "Withdrawn by the developer."),
            ("dev@acme.test", "draft", "submitted", ""),
        ]

    def test_a_rejection_is_shown_then_fixed_and_resubmitted(
        self, client_for, developer, moderator, app
    ):
        version = make_version(app=app, number="1.0.0", status="in_review")
        version_transition(
            version=version,
            target="rejected",
            party=Party.MODERATOR,
            actor=by(moderator),
            reason="The crm.accounts scope is not used by the app.",
        )
        client = client_for(developer)

        detail = client.get(version_url("version-detail", app, "1.0.0")).content.decode()
        listing = client.get(app_url("app-detail", app)).content.decode()

        assert "The crm.accounts scope is not used by the app." in detail
        assert 'id="rejection-reason"' in detail
        assert "Rejected: The crm.accounts scope is not used by the app." in listing
        # A rejected version cannot be installed, and says so.
        install = client.get(version_url("version-install", app, "1.0.0"))
        assert install.status_code == 409
        assert "a rejected version cannot be installed" in install.content.decode()

        edit = client.get(version_url("version-edit", app, "1.0.0"))
        assert "Saving your changes makes it a draft again" in edit.content.decode()
        fixed = manifest_text(
            "1.0.0",
            scopes=[{"code": "fin.invoices", "level": "full", "reason": "Creates invoices."}],
        )
        client.post(
            version_url("version-edit", app, "1.0.0"), {"manifest": fixed, "changelog": "Fixed."}
        )
        client.post(version_url("version-submit", app, "1.0.0"))

        version.refresh_from_db()
        assert (version.status, version.effective_scopes, version.changelog) == (
            "submitted",
            ["fin.invoices:full"],
            "Fixed.",
        )
        assert history(version)[-3:] == [
            (
                "moderator@platform.test",
                "in_review",
                "rejected",
                "The crm.accounts scope is not used by the app.",
            ),
            ("dev@acme.test", "rejected", "draft", "Edited after rejection."),
            ("dev@acme.test", "draft", "submitted", ""),
        ]

    def test_listing_edits_need_no_moderation_but_a_new_version_does(
        self, client_for, developer, app
    ):
        published = make_version(app=app, number="1.0.0", status="published")
        App.objects.filter(pk=app.pk).update(
            summary="Invoices.",
            description="Invoices.",
            support_email="a@b.example",
            is_listed=True,
        )
        client = client_for(developer)

        client.post(
            app_url("app-listing", app),
            {
                "section": "text",
                "summary": "Better invoices.",
                "description": "Invoices.",
                "support_email": "a@b.example",
            },
        )
        app.refresh_from_db()
        published.refresh_from_db()
        assert (app.summary, app.is_listed, published.status) == (
            "Better invoices.",
            True,
            "published",
        )

        client.post(
            app_url("version-create", app),
            {"manifest": manifest_text("1.1.0", scopes=SCOPES_WITH_MODULE)},
        )
        new = AppVersion.objects.get(number="1.1.0")
        assert new.status == "draft"
        response = client.post(version_url("version-publish", app, "1.1.0"), follow=True)
        assert "cannot become published" in response.content.decode()
        client.post(version_url("version-submit", app, "1.1.0"))

        new.refresh_from_db()
        published.refresh_from_db()
        app.refresh_from_db()
        assert (new.status, published.status, app.is_listed) == ("submitted", "published", True)


# --- create -----------------------------------------------------------------------------


class TestCreate:
    def test_the_form_says_which_number_comes_next(self, client_for, developer, draft):
        html = client_for(developer).get(app_url("version-create", draft.app)).content.decode()

        assert "higher than <code>1.0.0</code>, the latest version" in html
        assert 'name="manifest_file"' in html

    def test_every_problem_is_shown_with_its_path_and_nothing_is_written(
        self, client_for, developer, app
    ):
        data = manifest_data("1.0.0")
        data["scopes"][0]["level"] = "admin"
        del data["redirect_uris"]
        before = state()

        response = client_for(developer).post(
            app_url("version-create", app), {"manifest": json.dumps(data)}
        )

        assert response.status_code == 200
        assert [(p.path, p.code) for p in response.context["errors"]] == [
            ("$.redirect_uris", "missing_field"),
            ("$.scopes[0].level", "unknown_level"),
        ]
        html = response.content.decode()
        assert "Nothing was saved: 2 problems" in html
        assert '<code class="problems__path">$.scopes[0].level</code>' in html
        assert "Unknown level &quot;admin&quot;. Choose one of: read, full." in html
        # The text stays in the form to be fixed.
        assert "&quot;manifest_version&quot;: 1" in html
        assert state() == before

    def test_warnings_are_shown_beside_the_errors(self, client_for, developer, app):
        data = manifest_data(
            "1.0.0",
            scopes=[
                {"code": "crm", "level": "read", "reason": "Reads deals."},
                {"code": "crm.accounts", "level": "read", "reason": "Accounts."},
                {"code": "fin.invoices", "level": "full", "reason": "Invoices."},
            ],
        )
        data["authorization"] = "nobody"

        response = client_for(developer).post(
            app_url("version-create", app), {"manifest": json.dumps(data)}
        )

        assert [p.path for p in response.context["errors"]] == ["$.authorization"]
        assert [(p.path, p.code) for p in response.context["warnings"]] == [
            ("$.scopes[1]", "scope_overridden_by_module")
        ]
        assert 'id="manifest-warnings"' in response.content.decode()

    def test_broken_json_is_a_problem_at_the_root(self, client_for, developer, app):
        response = client_for(developer).post(app_url("version-create", app), {"manifest": "{bad"})

        assert [(p.path, p.code) for p in response.context["errors"]] == [("$", "invalid_json")]
        assert not AppVersion.objects.exists()

    @pytest.mark.parametrize(
        ("number", "message"),
        [
            ("1.0.0", "Version 1.0.0 exists: raise the version number."),
            ("0.9.0", "Use a version number higher than 1.0.0."),
        ],
    )
    def test_a_taken_or_lower_number_is_shown_under_the_version(
        self, client_for, developer, draft, number, message
    ):
        before = state()

        response = client_for(developer).post(
            app_url("version-create", draft.app), {"manifest": manifest_text(number)}
        )

        assert response.status_code == 200
        assert response.context["errors"] == [
            {"path": "$.version", "code": "invalid_manifest", "message": message}
        ]
        html = response.content.decode()
        assert '<code class="problems__path">$.version</code>' in html
        assert message in html
        assert state() == before

    def test_a_too_long_changelog_is_a_field_error(self, client_for, developer, app):
        response = client_for(developer).post(
            app_url("version-create", app),
            {"manifest": manifest_text("1.0.0"), "changelog": "x" * 10_001},
        )

        assert response.context["form"].errors == {"changelog": ["Use at most 10,000 characters."]}
        assert not AppVersion.objects.exists()

    def test_nothing_pasted_is_a_field_error(self, client_for, developer, app):
        response = client_for(developer).post(
            app_url("version-create", app), {"manifest": "  ", "changelog": "Hi"}
        )

        assert response.context["form"].errors == {
            "manifest": ["Paste a manifest or choose a file."]
        }
        assert not AppVersion.objects.exists()

    def test_a_file_over_256_kb_is_a_field_error(self, client_for, developer, app):
        big = SimpleUploadedFile("manifest.json", b" " * (256 * 1024 + 1))

        response = client_for(developer).post(
            app_url("version-create", app), {"manifest_file": big}
        )

        assert response.context["form"].errors == {
            "manifest_file": ["The file is 262,145 bytes; a manifest may be 256 KB at most."]
        }
        assert not AppVersion.objects.exists()


# --- detail -----------------------------------------------------------------------------


class TestDetail:
    def test_shows_scopes_changelog_manifest_diffs_and_history(self, client_for, developer, app):
        make_version(app=app, number="1.0.0", status="published")
        make_version(app=app, number="1.1.0", status="hidden")
        make_version(
            app=app,
            number="1.2.0",
            status="submitted",
            changelog="Deals too.\nAnd more.",
            scopes=SCOPES_WITH_MODULE,
            webhooks=[],
        )

        response = client_for(developer).get(version_url("version-detail", app, "1.2.0"))

        assert response.status_code == 200
        html = response.content.decode()
        assert "View, create, change and delete everything in the CRM" in html
        assert "Why: Updates deals when invoices are paid." in html
        assert "Deals too.<br>And more." in html
        assert "&quot;manifest_version&quot;: 1" in html
        diffs = response.context["diffs"]
        assert [(d["title"], d["against"].number) for d in diffs] == [
            ("Against the previous version", "1.1.0"),
            ("Against the last published version", "1.0.0"),
        ]
        assert diffs[0]["diff"]["needs_consent"]
        assert 'diff-removed">\N{MINUS SIGN} <code>fin.invoices.updated</code>' in html
        assert f'diff-added">+ {scope_phrase("crm:full")} <code>crm:full</code>' in html
        assert [(e.from_status, e.to_status) for e in response.context["history"]] == [
            ("", "draft"),
            ("draft", "submitted"),
        ]
        assert "Draft → Submitted" in html
        assert f'action="{version_url("version-withdraw", app, "1.2.0")}"' in html
        assert version_url("version-edit", app, "1.2.0") not in html

    def test_the_first_version_has_nothing_to_compare_with(self, client_for, developer, draft):
        response = client_for(developer).get(version_url("version-detail", draft.app, "1.0.0"))

        assert [d["diff"] for d in response.context["diffs"]] == [None, None]
        html = response.content.decode()
        assert "This is the first version: nothing to compare with." in html
        assert "No other version is published: nothing to compare with." in html

    def test_install_links_table(self, client_for, developer, draft):
        active, _ = make_install_link(version=draft, label="Globex beta")
        revoked, _ = make_install_link(version=draft, label="Old tester")
        install_link_revoke(link=revoked, actor=by(developer))
        expired, _ = make_install_link(version=draft, label="Expired tester", days=1)
        InstallLink.objects.filter(pk=expired.pk).update(expires_at="2000-01-01T00:00:00Z")

        response = client_for(developer).get(version_url("version-detail", draft.app, "1.0.0"))

        html = response.content.decode()
        assert f"<code>{active.display_prefix}…</code>" in html
        assert "Globex beta" in html
        assert html.count('<span class="status status--active">Active</span>') == 1
        assert ">Revoked</span>" in html
        assert '<span class="status status--revoked">Expired</span>' in html
        revoke = reverse(
            "console:developer:install_link-revoke",
            kwargs={"code": draft.app.code, "number": "1.0.0", "link_id": active.pk},
        )
        assert f'href="{revoke}"' in html
        assert f"/links/{revoked.pk}/revoke/" not in html
        assert f"/links/{expired.pk}/revoke/" not in html

    def test_a_deleting_apps_version_is_readable_but_offers_nothing(
        self, client_for, developer, draft
    ):
        app_delete(app=draft.app)

        response = client_for(developer).get(version_url("version-detail", draft.app, "1.0.0"))

        assert response.status_code == 200
        assert response.context["actions"] == []
        html = response.content.decode()
        assert "Nothing: the app is being deleted." in html
        assert version_url("version-submit", draft.app, "1.0.0") not in html


# --- edit -------------------------------------------------------------------------------


class TestEdit:
    def test_a_draft_is_edited_from_its_own_text(self, client_for, developer, draft):
        client = client_for(developer)
        edit = client.get(version_url("version-edit", draft.app, "1.0.0"))
        assert edit.context["form"].initial["manifest"] == draft.manifest_source

        response = client.post(
            version_url("version-edit", draft.app, "1.0.0"),
            {"manifest": manifest_text("1.0.1", scopes=SCOPES_WITH_MODULE), "changelog": "New."},
        )

        assert response.status_code == 302
        assert response.url == version_url("version-detail", draft.app, "1.0.1")
        draft.refresh_from_db()
        assert (draft.number, draft.status, draft.changelog) == ("1.0.1", "draft", "New.")
        assert draft.effective_scopes == ["crm:full", "fin.invoices:full"]

    def test_a_bad_manifest_shows_its_problems_and_changes_nothing(
        self, client_for, developer, draft
    ):
        before = state()

        response = client_for(developer).post(
            version_url("version-edit", draft.app, "1.0.0"), {"manifest": "{bad", "changelog": "x"}
        )

        assert response.status_code == 200
        assert [p.path for p in response.context["errors"]] == ["$"]
        assert state() == before

    @pytest.mark.parametrize("status", ["submitted", "published"])
    def test_other_statuses_explain_why_and_offer_a_new_version(
        self, client_for, developer, app, status
    ):
        version = make_version(app=app, number="1.0.0", status=status)
        client = client_for(developer)
        before = state()

        page = client.get(version_url("version-edit", app, "1.0.0"))
        response = client.post(
            version_url("version-edit", app, "1.0.0"),
            {"manifest": manifest_text("1.0.0"), "changelog": "Sneaky."},
        )

        for html in (page.content.decode(), response.content.decode()):
            assert "only drafts and rejected versions can be edited" in html
            assert f'href="{app_url("version-create", app)}"' in html
            assert 'id="version-form"' not in html
        assert page.status_code == 200
        assert response.status_code == 409
        version.refresh_from_db()
        assert version.changelog == "First release."
        assert state() == before


# --- moves ------------------------------------------------------------------------------


class TestMoves:
    @pytest.mark.parametrize(
        ("name", "message"),
        [
            ("version-withdraw", "A draft version of a public app cannot become draft."),
            ("version-hide", "A draft version of a public app cannot become hidden."),
        ],
    )
    def test_a_refused_move_is_an_error_message_and_changes_nothing(
        self, client_for, developer, draft, name, message
    ):
        before = state()

        response = client_for(developer).post(version_url(name, draft.app, "1.0.0"), follow=True)

        assert response.redirect_chain == [(version_url("version-detail", draft.app, "1.0.0"), 302)]
        html = response.content.decode()
        assert 'class="message message--error"' in html
        assert message in html
        assert state() == before

    def test_a_version_claimed_by_a_moderator_can_no_longer_be_withdrawn(
        self, client_for, developer, app
    ):
        make_version(app=app, number="1.0.0", status="in_review")
        before = state()

        response = client_for(developer).post(
            version_url("version-withdraw", app, "1.0.0"), follow=True
        )

        assert "An in review version of a public app cannot become draft." in (
            response.content.decode()
        )
        assert state() == before

    def test_the_loser_of_a_race_gets_a_clear_conflict(self, client_for, developer, moderator, app):
        version = make_version(app=app, number="1.0.0", status="submitted")
        fired = []

        def moderator_claims_first(execute, sql, params, many, context):
            # Just before the developer's compare-and-set update, a moderator claims it.
            if not fired and sql.startswith('UPDATE "catalog_appversion"'):
                fired.append(sql)
                version_transition(
                    version=AppVersion.objects.get(pk=version.pk),
                    target="in_review",
                    party=Party.MODERATOR,
                    actor=by(moderator),
                )
            return execute(sql, params, many, context)

        with connection.execute_wrapper(moderator_claims_first):
            response = client_for(developer).post(
                version_url("version-withdraw", app, "1.0.0"), follow=True
            )

        assert fired
        html = response.content.decode()
        assert 'class="message message--error"' in html
        assert (
            "Someone changed version 1.0.0 first: it is now in review. Reload the page to see "
            "its current state." in html
        )
        version.refresh_from_db()
        assert version.status != "draft"
        assert (
            not VersionEvent.objects.filter(version=version, to_status="draft")
            .exclude(reason="Created.")
            .exists()
        )

    def test_an_inactive_app_still_moves_its_versions(self, client_for, developer, app, draft):
        app_deactivate(app=app)

        client_for(developer).post(version_url("version-submit", app, "1.0.0"))

        draft.refresh_from_db()
        assert draft.status == "submitted"


# --- install on my account -------------------------------------------------------------


class TestInstall:
    def test_shows_what_will_be_installed_and_asks_a_non_admin_to_ask_an_admin(
        self, client_for, developer, draft
    ):
        response = client_for(developer).get(version_url("version-install", draft.app, "1.0.0"))

        assert response.status_code == 200
        html = response.content.decode()
        assert "Install on Acme Corp" in html
        assert 'id="install-preview"' in html
        assert "View CRM accounts, companies and contacts" in html
        assert "Why: Shows the customer on invoices." in html
        assert "ask an admin of Acme Corp to install it." in html
        assert 'id="install-button"' not in html

    def test_an_admin_developer_goes_to_the_consent_screen_for_this_version(
        self, client_for, developer, draft
    ):
        Membership.objects.filter(user=developer).update(is_admin=True)

        html = (
            client_for(developer)
            .get(version_url("version-install", draft.app, "1.0.0"))
            .content.decode()
        )

        consent = "/oauth/authorize/?" + urlencode(
            {
                "client_id": draft.app.oauth_application.client_id,
                "response_type": "code",
                "redirect_uri": "https://invoicer.example.com/oauth/callback",
                "account": "acme",
                "version": "1.0.0",
            }
        )
        assert f'id="install-button" href="{escape(consent)}">Install</a>' in html

    def test_an_inactive_app_cannot_be_installed(self, client_for, developer, app, draft):
        app_deactivate(app=app)

        response = client_for(developer).get(version_url("version-install", app, "1.0.0"))

        assert response.status_code == 409
        assert "activate it before installing it" in response.content.decode()

    def test_a_deleting_app_is_refused_with_a_message(self, client_for, developer, app, draft):
        app_delete(app=app)

        response = client_for(developer).get(
            version_url("version-install", app, "1.0.0"), follow=True
        )

        assert response.redirect_chain == [(app_url("app-detail", app), 302)]
        assert "is being deleted; nothing can change it any more" in response.content.decode()
        assert App.objects.get().status == AppStatus.DELETING


# --- the rollout of a published version ---------------------------------------------------


class TestRolloutJob:
    @pytest.fixture
    def private_app(self, account, developer):
        return make_app(account=account, name="Back office", type="private", user=developer)

    def test_no_rollout_no_section(self, client_for, developer, draft):
        html = client_for(developer).get(version_url("version-detail", draft.app, "1.0.0"))

        assert 'id="version-rollout"' not in html.content.decode()

    def test_publishing_over_installations_shows_the_rollout(
        self, client_for, developer, admin, account, private_app
    ):
        old = make_version(app=private_app, number="1.0.0", status="published")
        make_installation(account=account, version=old, by_user=admin)
        make_version(app=private_app, number="2.0.0", status="draft")
        client = client_for(developer)

        response = client.post(version_url("version-publish", private_app, "2.0.0"), follow=True)

        job = Job.objects.get(kind=VERSION_ROLLOUT)
        html = response.content.decode()
        assert 'id="version-rollout"' in html
        assert "Rolling out… starting." in html
        job_page = reverse("console:jobs:job-detail", kwargs={"job_id": job.pk})
        assert f'<a href="{job_page}">Follow the job #{job.pk}</a>' in html
        # The job's page is open to the developer, who may follow it to the end.
        assert client.get(job_page).status_code == 200

        Job.objects.filter(pk=job.pk).update(
            state=Job.State.RUNNING,
            progress_done=1,
            progress_total=3,
            message="1 of 3 installations: 1 updated, 0 need an admin's approval, 0 skipped.",
        )
        html = client.get(version_url("version-detail", private_app, "2.0.0")).content.decode()
        assert "Rolling out… 1 of 3 installations" in html
        assert "1 updated, 0 need an admin&#x27;s approval, 0 skipped." in html
        # The older version's page has no rollout of its own.
        older = client.get(version_url("version-detail", private_app, "1.0.0")).content.decode()
        assert 'id="version-rollout"' not in older
