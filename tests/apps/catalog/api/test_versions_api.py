"""``/api/v1/apps/{code}/versions``: create from a manifest (raw JSON or YAML body, or a
multipart file), read, edit while draft or rejected, move through the status flow, diff
and history. The access matrix is in test_access_matrix_api.py."""

import io
import json

import pytest
import yaml
from django.conf import settings
from django.db import connection
from django.middleware.csrf import _get_new_csrf_string
from django.test.utils import CaptureQueriesContext

from apps.catalog.manifests import MAX_BYTES
from apps.catalog.models import AppVersion, VersionEvent
from apps.catalog.policies import TRANSITIONS
from apps.catalog.services import app_delete
from tests.apps.api.helpers import api_client, assert_error
from tests.apps.catalog.api.helpers import (
    app_url,
    catalog_snapshot,
    post_manifest,
    version_url,
)
from tests.apps.catalog.api.test_manifests_api import invalid_body
from tests.factories.catalog import make_app, make_version, manifest_data, manifest_text

pytestmark = pytest.mark.django_db

VERSION_FIELDS = {
    "rollout_job",
    "number",
    "status",
    "changelog",
    "manifest",
    "manifest_source",
    "manifest_format",
    "effective_scopes",
    "rejection_reason",
    "actions",
    "created_by",
    "created_at",
    "updated_at",
    "status_changed_at",
    "submitted_at",
    "published_at",
}
SCOPE_LINES = [
    {
        "scope": "crm.accounts:read",
        "phrase": "View CRM accounts, companies and contacts, with their phones and e-mails",
        "reason": "Shows the customer on invoices.",
    },
    {
        "scope": "fin.invoices:full",
        "phrase": "View, create, change and delete invoices, their items and the links between "
        "them",
        "reason": "Creates invoices from deals.",
    },
]


@pytest.fixture
def dev(developer):
    return api_client(developer)


@pytest.fixture
def app(account):
    return make_app(account=account)


@pytest.fixture
def private_app(account):
    return make_app(account=account, name="Back office", type="private")


@pytest.fixture
def csrf_dev(developer):
    """A console session enforcing CSRF like a browser, with its token at hand."""
    client = api_client(developer, csrf=True)
    token = _get_new_csrf_string()
    client.cookies[settings.CSRF_COOKIE_NAME] = token
    client.defaults["HTTP_X_CSRFTOKEN"] = token
    return client


def upload(text: str, name: str) -> io.BytesIO:
    file = io.BytesIO(text.encode())
    file.name = name
    return file


class TestCreate:
    def test_from_a_json_body_with_the_changelog_in_the_query(self, dev, developer, app):
        response = post_manifest(
            dev, app_url(app, "/versions"), manifest_text("1.0.0"), changelog="First%20release."
        )

        assert response.status_code == 201, response.content
        body = response.json()
        assert set(body) == VERSION_FIELDS
        version = AppVersion.objects.get()
        assert (body["number"], body["status"], body["changelog"]) == (
            "1.0.0",
            "draft",
            "First release.",
        )
        assert body["manifest"] == manifest_data("1.0.0")
        assert body["manifest_source"] == manifest_text("1.0.0")
        assert body["manifest_format"] == "json"
        assert body["effective_scopes"] == SCOPE_LINES
        assert body["actions"] == ["edit", "submit"]
        assert body["created_by"] == "dev@acme.test"
        assert (version.app, version.created_by) == (app, developer)
        assert list(VersionEvent.objects.values_list("from_status", "to_status", "reason")) == [
            ("", "draft", "Created.")
        ]

    def test_from_a_yaml_body(self, dev, app):
        text = yaml.safe_dump(manifest_data("1.0.0"))

        response = post_manifest(
            dev, app_url(app, "/versions"), text, content_type="application/yaml"
        )

        assert response.status_code == 201, response.content
        assert response.json()["manifest_format"] == "yaml"
        assert response.json()["manifest_source"] == text

    @pytest.mark.parametrize(
        ("name", "text", "fmt"),
        [
            ("manifest.json", manifest_text("1.0.0"), "json"),
            ("manifest.yaml", yaml.safe_dump(manifest_data("1.0.0")), "yaml"),
            ("manifest.yml", yaml.safe_dump(manifest_data("1.0.0")), "yaml"),
            ("manifest", manifest_text("1.0.0"), "json"),
        ],
    )
    def test_from_a_multipart_file(self, dev, app, name, text, fmt):
        response = dev.post(
            app_url(app, "/versions"),
            {"manifest": upload(text, name), "changelog": "From CI."},
            format="multipart",
        )

        assert response.status_code == 201, response.content
        assert response.json()["manifest_format"] == fmt
        assert response.json()["changelog"] == "From CI."

    def test_a_console_session_with_csrf_may_send_yaml_or_a_file(self, csrf_dev, app):
        raw = post_manifest(
            csrf_dev,
            app_url(app, "/versions"),
            yaml.safe_dump(manifest_data("1.0.0")),
            content_type="application/yaml",
        )
        multipart = csrf_dev.post(
            app_url(app, "/versions"),
            {"manifest": upload(manifest_text("1.1.0"), "m.json")},
            format="multipart",
        )

        assert raw.status_code == 201, raw.content
        assert multipart.status_code == 201, multipart.content

    def test_an_invalid_manifest_answers_like_the_dry_run_and_writes_nothing(self, dev, app):
        data = manifest_data("1.0")
        data["scopes"][0]["level"] = "write"
        before = catalog_snapshot()

        response = post_manifest(dev, app_url(app, "/versions"), json.dumps(data))

        invalid_body(
            response,
            [("$.scopes[0].level", "unknown_level"), ("$.version", "invalid_semver")],
        )
        assert catalog_snapshot() == before

    def test_an_invalid_manifest_file_answers_the_same(self, dev, app):
        before = catalog_snapshot()

        response = dev.post(
            app_url(app, "/versions"),
            {"manifest": upload("version: [", "manifest.yaml")},
            format="multipart",
        )

        invalid_body(response, [("$", "invalid_yaml")])
        assert catalog_snapshot() == before

    @pytest.mark.parametrize("how", ["body", "file"])
    def test_a_manifest_over_256_kb_is_too_large(self, dev, app, how):
        text = manifest_text("1.0.0")
        text += " " * (MAX_BYTES + 1 - len(text))
        before = catalog_snapshot()

        if how == "body":
            response = post_manifest(dev, app_url(app, "/versions"), text)
        else:
            response = dev.post(
                app_url(app, "/versions"), {"manifest": upload(text, "m.json")}, format="multipart"
            )

        invalid_body(response, [("$", "too_large")])
        assert catalog_snapshot() == before

    def test_a_multipart_body_without_the_file_names_the_field(self, dev, app):
        response = dev.post(app_url(app, "/versions"), {"changelog": "x"}, format="multipart")

        assert_error(response, 400, "invalid", fields={"manifest"})
        assert AppVersion.objects.count() == 0

    @pytest.mark.parametrize(
        ("number", "message"),
        [
            ("1.1.0", "Version 1.1.0 exists: raise the version number."),
            ("1.0.5", "Use a version number higher than 1.1.0."),
            ("1.1.0-beta.1", "Use a version number higher than 1.1.0."),
        ],
    )
    def test_the_number_must_be_new_and_higher(self, dev, app, number, message):
        make_version(app=app, number="1.0.0")
        make_version(app=app, number="1.1.0")
        before = catalog_snapshot()

        response = post_manifest(dev, app_url(app, "/versions"), manifest_text(number))

        body = invalid_body(response, [("$.version", "version_number")])
        assert body["errors"][0]["message"] == message
        assert catalog_snapshot() == before

    def test_a_long_changelog_names_the_field(self, dev, app):
        response = post_manifest(
            dev, app_url(app, "/versions"), manifest_text("1.0.0"), changelog="x" * 10_001
        )

        assert_error(response, 400, "invalid", fields={"changelog"})
        assert AppVersion.objects.count() == 0


class TestRead:
    def test_lists_versions_newest_first(self, dev, app):
        make_version(app=app, number="1.0.0", status="published")
        make_version(app=app, number="1.1.0", status="rejected")
        make_version(app=app, number="2.0.0")

        body = dev.get(app_url(app, "/versions")).json()

        assert [(v["number"], v["status"]) for v in body["results"]] == [
            ("2.0.0", "draft"),
            ("1.1.0", "rejected"),
            ("1.0.0", "published"),
        ]
        assert body["results"][1]["rejection_reason"] == "Needs work."
        assert body["results"][0]["effective_scopes"] == ["crm.accounts:read", "fin.invoices:full"]

    def test_a_version_created_by_an_api_key_has_no_creator_as_the_schema_allows(
        self, client, account_key, app
    ):
        key = api_client(key=account_key)
        created = post_manifest(key, app_url(app, "/versions"), manifest_text())

        listed = key.get(app_url(app, "/versions")).json()["results"]
        schema = client.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]

        assert created.status_code == 201, created.content
        assert created.json()["created_by"] is None
        assert listed[0]["created_by"] is None
        for name in ("VersionListOutput", "VersionOutput"):
            assert schema[name]["properties"]["created_by"].get("nullable") is True, name

    def test_the_list_query_count_does_not_grow_with_the_rows(self, dev, app):
        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                assert dev.get(app_url(app, "/versions?page_size=100")).status_code == 200
            return len(queries)

        make_version(app=app, number="1.0.0")
        one = count()
        for minor in range(1, 52):
            make_version(app=app, number=f"1.{minor}.0")

        assert count() == one

    @pytest.mark.parametrize(
        ("kind", "status", "actions"),
        [
            ("public", "draft", ["edit", "submit"]),
            ("public", "submitted", ["withdraw"]),
            ("public", "in_review", []),
            ("public", "approved", ["publish"]),
            ("public", "rejected", ["edit"]),
            ("public", "published", ["hide"]),
            ("public", "hidden", ["publish"]),
            ("private", "draft", ["edit", "publish"]),
            ("private", "published", ["hide"]),
            ("private", "hidden", ["publish"]),
        ],
    )
    def test_actions_are_what_the_developer_may_do_now(self, dev, account, kind, status, actions):
        version = make_version(app=make_app(account=account, type=kind), status=status)

        assert dev.get(version_url(version)).json()["actions"] == actions

    def test_no_actions_while_the_app_is_being_deleted(self, dev, app):
        version = make_version(app=app)
        app_delete(app=app)

        assert dev.get(version_url(version)).json()["actions"] == []

    def test_an_unknown_number_is_not_found(self, dev, app):
        make_version(app=app)

        assert_error(dev.get(app_url(app, "/versions/9.9.9")), 404, "not_found")


class TestEdit:
    def test_put_replaces_the_manifest_of_a_draft(self, dev, app):
        version = make_version(app=app, number="1.0.0")
        data = manifest_data("1.0.1", scopes=[{"code": "fin", "level": "full", "reason": "All."}])

        response = dev.put(
            version_url(version) + "?changelog=Fixed.",
            data=json.dumps(data),
            content_type="application/json",
        )

        assert response.status_code == 200, response.content
        version.refresh_from_db()
        assert (version.number, version.changelog, version.status) == ("1.0.1", "Fixed.", "draft")
        assert version.effective_scopes == ["fin:full"]
        assert response.json()["number"] == "1.0.1"

    def test_put_without_a_changelog_keeps_it(self, dev, app):
        version = make_version(app=app, number="1.0.0", changelog="Kept.")

        dev.put(version_url(version), data=manifest_text("1.0.0"), content_type="application/json")

        assert AppVersion.objects.get().changelog == "Kept."

    def test_put_a_file(self, dev, app):
        version = make_version(app=app)

        response = dev.put(
            version_url(version),
            {"manifest": upload(yaml.safe_dump(manifest_data("1.0.0")), "m.yaml")},
            format="multipart",
        )

        assert response.status_code == 200, response.content
        assert response.json()["manifest_format"] == "yaml"

    def test_editing_a_rejected_version_makes_it_a_draft(self, dev, app):
        version = make_version(app=app, status="rejected")

        response = dev.put(
            version_url(version), data=manifest_text("1.0.0"), content_type="application/json"
        )

        assert response.json()["status"] == "draft"
        assert response.json()["actions"] == ["edit", "submit"]
        last = VersionEvent.objects.filter(version=version).last()
        assert (last.from_status, last.to_status, last.reason) == (
            "rejected",
            "draft",
            "Edited after rejection.",
        )

    def test_an_invalid_manifest_changes_nothing(self, dev, app):
        version = make_version(app=app, status="rejected")
        before = catalog_snapshot()

        response = dev.put(
            version_url(version), data='{"version": 1}', content_type="application/json"
        )

        assert response.status_code == 400
        assert response.json()["valid"] is False
        assert response.json()["error"]["code"] == "invalid_manifest"
        assert catalog_snapshot() == before

    def test_a_number_taken_by_another_version_is_refused(self, dev, app):
        make_version(app=app, number="1.0.0", status="published")
        version = make_version(app=app, number="1.1.0")
        before = catalog_snapshot()

        response = dev.put(
            version_url(version), data=manifest_text("1.0.0"), content_type="application/json"
        )

        invalid_body(response, [("$.version", "version_number")])
        assert catalog_snapshot() == before

    def test_patch_changes_the_changelog(self, dev, app):
        version = make_version(app=app)

        response = dev.patch(version_url(version), {"changelog": "Better."}, format="json")

        assert response.status_code == 200, response.content
        assert response.json()["changelog"] == "Better."
        assert AppVersion.objects.get().changelog == "Better."

    @pytest.mark.parametrize(
        ("data", "fields"),
        [({}, {"changelog"}), ({"changelog": "x", "status": "published"}, {"status"})],
    )
    def test_patch_names_bad_fields(self, dev, app, data, fields):
        version = make_version(app=app)
        before = catalog_snapshot()

        response = dev.patch(version_url(version), data, format="json")

        assert_error(response, 400, "invalid", fields=fields)
        assert catalog_snapshot() == before

    @pytest.mark.parametrize(
        "status", ["submitted", "in_review", "approved", "published", "hidden"]
    )
    def test_only_drafts_and_rejected_versions_can_be_edited(self, dev, app, status):
        version = make_version(app=app, status=status)
        before = catalog_snapshot()

        put = dev.put(
            version_url(version), data=manifest_text("1.0.0"), content_type="application/json"
        )
        patch = dev.patch(version_url(version), {"changelog": "x"}, format="json")

        for response in (put, patch):
            error = assert_error(response, 409, "version_not_editable")
            assert "Create a new version instead." in error["message"]
        assert catalog_snapshot() == before


ACTIONS = {"submit": "submitted", "withdraw": "draft", "publish": "published", "hide": "hidden"}


def _allowed(kind: str, status: str, action: str) -> bool:
    target = ACTIONS[action]
    if action == "withdraw" and status != "submitted":
        return False
    return "developer" in {a.value for a in TRANSITIONS.get((kind, status, target), set())}


ILLEGAL = [
    (kind, status, action)
    for kind, statuses in {
        "public": [
            "draft",
            "submitted",
            "in_review",
            "approved",
            "rejected",
            "published",
            "hidden",
        ],
        "private": ["draft", "published", "hidden"],
    }.items()
    for status in statuses
    for action in ACTIONS
    if not _allowed(kind, status, action)
]
LEGAL = [
    ("public", "draft", "submit", "submitted"),
    ("public", "submitted", "withdraw", "draft"),
    ("public", "approved", "publish", "published"),
    ("public", "published", "hide", "hidden"),
    ("public", "hidden", "publish", "published"),
    ("private", "draft", "publish", "published"),
    ("private", "published", "hide", "hidden"),
    ("private", "hidden", "publish", "published"),
]


class TestTransitions:
    @pytest.mark.parametrize(("kind", "status", "action", "target"), LEGAL)
    def test_each_legal_move_is_recorded(self, dev, account, kind, status, action, target):
        version = make_version(app=make_app(account=account, type=kind), status=status)
        events = VersionEvent.objects.count()

        response = dev.post(version_url(version, f"/{action}"))

        assert response.status_code == 200, response.content
        assert response.json()["status"] == target
        assert AppVersion.objects.get().status == target
        last = VersionEvent.objects.order_by("pk").last()
        assert VersionEvent.objects.count() == events + 1
        assert (last.from_status, last.to_status, last.actor_label) == (
            status,
            target,
            "dev@acme.test",
        )

    @pytest.mark.parametrize(("kind", "status", "action"), ILLEGAL)
    def test_every_illegal_move_is_409_and_changes_nothing(
        self, dev, account, kind, status, action
    ):
        version = make_version(app=make_app(account=account, type=kind), status=status)
        before = catalog_snapshot()

        response = dev.post(version_url(version, f"/{action}"))

        assert_error(response, 409, "illegal_transition")
        assert catalog_snapshot() == before

    def test_refusals_say_what_the_version_can_become(self, dev, app):
        approved = make_version(app=app, number="1.0.0", status="approved")
        rejected = make_version(app=app, number="1.1.0", status="rejected")

        hide = assert_error(dev.post(version_url(approved, "/hide")), 409, "illegal_transition")
        withdraw = assert_error(
            dev.post(version_url(rejected, "/withdraw")), 409, "illegal_transition"
        )

        assert hide["message"] == (
            "An approved version of a public app cannot become hidden. It can become: published."
        )
        assert withdraw["message"] == (
            "Version 1.1.0 was rejected, not submitted: there is nothing to withdraw. Edit it "
            "to make it a draft again."
        )

    def test_the_illegal_list_covers_the_table(self):
        assert len(ILLEGAL) + len(LEGAL) == 7 * 4 + 3 * 4

    def test_the_loser_of_a_race_gets_a_conflict_and_writes_nothing(self, dev, app):
        """A moderator claims the version between the developer's read and write: the
        compare-and-set update finds the status changed and refuses."""
        version = make_version(app=app, status="submitted")
        table = AppVersion._meta.db_table
        raced = []

        def claim_first(execute, sql, params, many, context):
            if not raced and sql.startswith(f'UPDATE "{table}" SET "status"'):
                raced.append(sql)
                with connection.cursor() as cursor:
                    cursor.execute(
                        f'UPDATE "{table}" SET "status" = %s WHERE "id" = %s',
                        ["in_review", version.pk],
                    )
            return execute(sql, params, many, context)

        events = VersionEvent.objects.count()
        with connection.execute_wrapper(claim_first):
            response = dev.post(version_url(version, "/withdraw"))

        error = assert_error(response, 409, "conflict")
        assert error["message"] == (
            "Someone changed version 1.0.0 first: it is now in review. Reload the page to see "
            "its current state."
        )
        assert raced
        # The stand-in for the moderator wrote on the request's own connection, so the
        # refusal rolled it back too; what matters is that the withdrawal wrote nothing.
        assert AppVersion.objects.get().status == "submitted"
        assert VersionEvent.objects.count() == events


class TestDiff:
    def test_against_the_previous_version_by_default(self, dev, app):
        make_version(app=app, number="1.0.0", status="published")
        scopes = [*manifest_data()["scopes"], {"code": "task", "level": "read", "reason": "R."}]
        version = make_version(app=app, number="1.1.0", scopes=scopes)

        body = dev.get(version_url(version, "/diff")).json()

        assert body["against"] == "1.0.0"
        assert (body["from_version"], body["to_version"]) == ("1.0.0", "1.1.0")
        assert body["scopes"]["added"] == ["task:read"]
        assert body["needs_consent"] is True

    def test_against_the_last_published_version(self, dev, app):
        make_version(app=app, number="1.0.0", status="published")
        make_version(app=app, number="1.1.0", status="rejected")
        version = make_version(app=app, number="1.2.0")

        previous = dev.get(version_url(version, "/diff")).json()
        published = dev.get(version_url(version, "/diff?against=published")).json()

        assert previous["against"] == "1.1.0"
        assert published["against"] == "1.0.0"
        assert published["needs_consent"] is False

    def test_nothing_to_compare(self, dev, app):
        version = make_version(app=app)

        assert dev.get(version_url(version, "/diff")).json() == {"against": None}
        assert dev.get(version_url(version, "/diff?against=published")).json() == {"against": None}

    def test_an_unknown_comparison_names_the_parameter(self, dev, app):
        version = make_version(app=app)

        assert_error(
            dev.get(version_url(version, "/diff?against=first")), 400, "invalid", fields={"against"}
        )


class TestHistory:
    def test_who_when_from_to_and_why(self, dev, app):
        version = make_version(app=app, status="rejected")

        body = dev.get(version_url(version, "/history")).json()

        assert body["count"] == 4
        assert [(e["from_status"], e["to_status"], e["reason"]) for e in body["results"]] == [
            (None, "draft", "Created."),
            ("draft", "submitted", ""),
            ("submitted", "in_review", ""),
            ("in_review", "rejected", "Needs work."),
        ]
        assert set(body["results"][0]) == {"actor", "at", "from_status", "to_status", "reason"}
        assert body["results"][0]["actor"] == "test"
