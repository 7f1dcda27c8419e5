"""Creating versions from a manifest: the number comes from the manifest, is unique and
higher than every other version of the app; a bad manifest is refused with every problem
by its JSON path, and nothing is written."""

import json

import pytest
import yaml

from apps.accounts.actors import actor_for_user, actor_system
from apps.catalog.models import AppVersion, VersionEvent, VersionStatus
from apps.catalog.services import ManifestInvalid, version_create
from apps.core.errors import ValidationFailed
from tests.apps.catalog.services.helpers import catalog_rows, history
from tests.factories.catalog import make_app, make_version, manifest_data, manifest_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def app(account):
    return make_app(account=account)


class TestCreate:
    def test_a_draft_from_json_with_its_scopes_and_history(self, app, developer):
        text = manifest_text("1.0.0")

        version = version_create(
            app=app, raw=text, changelog="  First release. ", actor=actor_for_user(user=developer)
        )

        version = AppVersion.objects.get(pk=version.pk)
        assert version.app == app
        assert version.number == "1.0.0"
        assert version.status == VersionStatus.DRAFT
        assert version.manifest == manifest_data("1.0.0")
        assert version.manifest_source == text
        assert version.manifest_format == "json"
        assert version.effective_scopes == ["crm.accounts:read", "fin.invoices:full"]
        assert version.changelog == "First release."
        assert version.created_by == developer
        assert version.status_changed_at is not None
        assert version.submitted_at is None
        assert version.published_at is None
        assert history(version) == [("dev@acme.test", "", "draft", "Created.")]
        assert VersionEvent.objects.get(version=version).actor == developer

    def test_a_yaml_manifest_keeps_its_own_text(self, app):
        text = yaml.safe_dump(manifest_data("1.0.0"), sort_keys=False)

        version = version_create(app=app, raw=text.encode(), actor=actor_system(label="API key"))

        assert version.manifest_format == "yaml"
        assert version.manifest_source == text
        assert version.manifest == manifest_data("1.0.0")
        assert history(version) == [("API key", "", "draft", "Created.")]

    def test_effective_scopes_follow_the_precedence_rules(self, app):
        data = manifest_data("1.0.0")
        data["scopes"].append({"code": "crm", "level": "read", "reason": "Reads all of CRM."})

        version = version_create(app=app, raw=json.dumps(data), actor=actor_system(label="t"))

        assert version.effective_scopes == ["crm:read", "fin.invoices:full"]


class TestInvalidManifest:
    def test_every_problem_is_named_by_its_json_path_and_nothing_is_written(self, app):
        data = manifest_data("1.0.0")
        data["scopes"][0]["level"] = "write"
        data["redirect_uris"] = ["ftp://files.example.com"]
        del data["scopes"][1]["reason"]
        before = catalog_rows()

        with pytest.raises(ManifestInvalid) as caught:
            version_create(app=app, raw=json.dumps(data), actor=actor_system(label="t"))

        error = caught.value
        assert error.code == "invalid_manifest"
        assert error.message == "The manifest has 3 problems; see errors."
        assert set(error.fields) == {
            "$.redirect_uris[0]",
            "$.scopes[0].level",
            "$.scopes[1].reason",
        }
        assert error.fields["$.scopes[0].level"] == [
            'Unknown level "write". Choose one of: read, full.'
        ]
        assert error.fields["$.scopes[1].reason"] == ["The field 'reason' is required here."]
        assert [(e["path"], e["code"]) for e in error.extra["errors"]] == [
            ("$.redirect_uris[0]", "invalid_url"),
            ("$.scopes[0].level", "unknown_level"),
            ("$.scopes[1].reason", "missing_field"),
        ]
        assert catalog_rows() == before

    def test_text_that_is_not_a_manifest_is_refused_at_the_root(self, app):
        before = catalog_rows()

        with pytest.raises(ManifestInvalid) as caught:
            version_create(app=app, raw="{not json", actor=actor_system(label="t"))

        assert caught.value.message == "The manifest has 1 problem; see errors."
        assert list(caught.value.fields) == ["$"]
        assert catalog_rows() == before

    def test_a_number_that_is_not_semver_is_refused(self, app):
        with pytest.raises(ManifestInvalid) as caught:
            version_create(app=app, raw=manifest_text("v1"), actor=actor_system(label="t"))

        assert list(caught.value.fields) == ["$.version"]
        assert AppVersion.objects.count() == 0


class TestNumbers:
    def test_a_number_is_unique_within_the_app(self, app):
        make_version(app=app, number="1.0.0")
        before = catalog_rows()

        with pytest.raises(ValidationFailed) as caught:
            version_create(app=app, raw=manifest_text("1.0.0"), actor=actor_system(label="t"))

        assert caught.value.code == "invalid_manifest"
        assert caught.value.fields == {
            "$.version": ["Version 1.0.0 exists: raise the version number."]
        }
        assert catalog_rows() == before

    @pytest.mark.parametrize("number", ["0.9.0", "1.1.9", "1.2.0-beta.1", "1.2.0+build.7"])
    def test_a_number_must_be_higher_than_every_other(self, app, number):
        make_version(app=app, number="1.0.0")
        make_version(app=app, number="1.2.0")
        before = catalog_rows()

        with pytest.raises(ValidationFailed) as caught:
            version_create(app=app, raw=manifest_text(number), actor=actor_system(label="t"))

        assert caught.value.fields == {"$.version": ["Use a version number higher than 1.2.0."]}
        assert catalog_rows() == before

    def test_numbers_compare_as_semver_not_as_text(self, app):
        make_version(app=app, number="1.9.0")

        version = version_create(
            app=app, raw=manifest_text("1.10.0"), actor=actor_system(label="t")
        )

        assert version.number == "1.10.0"

    def test_a_pre_release_then_its_release(self, app):
        make_version(app=app, number="2.0.0-rc.1")

        version = version_create(app=app, raw=manifest_text("2.0.0"), actor=actor_system(label="t"))

        assert list(app.versions.values_list("number", flat=True)) == ["2.0.0", "2.0.0-rc.1"]
        assert version.status == VersionStatus.DRAFT

    def test_the_same_number_in_another_app_is_fine(self, account, app):
        make_version(app=app, number="1.0.0")
        other = make_app(account=account, name="Other")

        assert make_version(app=other, number="1.0.0").number == "1.0.0"


def test_a_too_long_changelog_is_refused(app):
    before = catalog_rows()

    with pytest.raises(ValidationFailed) as caught:
        version_create(
            app=app,
            raw=manifest_text("1.0.0"),
            changelog="x" * 10_001,
            actor=actor_system(label="t"),
        )

    assert caught.value.fields == {"changelog": ["Use at most 10,000 characters."]}
    assert catalog_rows() == before


class TestNulCharacters:
    """PostgreSQL stores no NUL character in text or jsonb: refused by field, not a 500."""

    def test_in_a_manifest_value_names_its_path(self, app):
        data = manifest_data("1.0.0")
        data["scopes"][1]["reason"] = "Creates\u0000 invoices."
        before = catalog_rows()

        with pytest.raises(ManifestInvalid) as caught:
            version_create(app=app, raw=json.dumps(data), actor=actor_system(label="t"))

        assert caught.value.fields == {
            "$.scopes[1].reason": ["Remove the NUL character (\\u0000) from this text."]
        }
        assert [e["code"] for e in caught.value.extra["errors"]] == ["invalid_value"]
        assert catalog_rows() == before

    def test_in_a_yaml_manifest_too(self, app):
        data = manifest_data("1.0.0")
        data["settings"][0]["label"] = "Company\x00name"

        with pytest.raises(ManifestInvalid) as caught:
            version_create(
                app=app, raw=yaml.safe_dump(data), fmt="yaml", actor=actor_system(label="t")
            )

        assert list(caught.value.fields) == ["$.settings[0].label"]
        assert AppVersion.objects.count() == 0

    def test_in_the_changelog(self, app):
        before = catalog_rows()

        with pytest.raises(ValidationFailed) as caught:
            version_create(
                app=app,
                raw=manifest_text("1.0.0"),
                changelog="Fix\x00",
                actor=actor_system(label="t"),
            )

        assert caught.value.fields == {
            "changelog": ["Remove the NUL character (\\u0000) from this text."]
        }
        assert catalog_rows() == before
