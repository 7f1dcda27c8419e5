"""Editing a version: only while it is a draft or rejected; editing a rejected version
sends it back to draft, recorded in its history."""

import json

import pytest

from apps.accounts.actors import actor_for_user, actor_system
from apps.catalog.models import AppVersion, VersionStatus
from apps.catalog.services import ManifestInvalid, version_submit, version_update
from apps.core.errors import Conflict, ValidationFailed
from tests.apps.catalog.services.helpers import catalog_rows, history
from tests.factories.catalog import make_app, make_version, manifest_data, manifest_text

pytestmark = pytest.mark.django_db

S = VersionStatus


@pytest.fixture
def app(account):
    return make_app(account=account)


def test_a_draft_takes_a_new_manifest_and_changelog(app, developer):
    version = make_version(app=app, number="1.0.0")
    data = manifest_data("1.0.1")
    data["scopes"] = data["scopes"][1:]

    version_update(
        version=version,
        raw=json.dumps(data),
        changelog=" Fewer scopes. ",
        actor=actor_for_user(user=developer),
    )

    stored = AppVersion.objects.get(pk=version.pk)
    assert stored.number == "1.0.1"
    assert stored.status == S.DRAFT
    assert stored.manifest == data
    assert stored.effective_scopes == ["fin.invoices:full"]
    assert stored.changelog == "Fewer scopes."
    assert version.number == "1.0.1"  # the caller's object is refreshed
    assert history(stored) == [("test", "", "draft", "Created.")]


def test_the_changelog_alone_can_change(app):
    version = make_version(app=app)

    version_update(version=version, changelog="Typo fixes.", actor=actor_system(label="t"))

    stored = AppVersion.objects.get(pk=version.pk)
    assert stored.changelog == "Typo fixes."
    assert stored.manifest == manifest_data("1.0.0")


def test_editing_a_rejected_version_sends_it_back_to_draft(app, developer):
    version = make_version(app=app, status=S.REJECTED)

    version_update(
        version=version, raw=manifest_text("1.0.0"), actor=actor_for_user(user=developer)
    )

    stored = AppVersion.objects.get(pk=version.pk)
    assert stored.status == S.DRAFT
    assert history(stored)[-1] == ("dev@acme.test", "rejected", "draft", "Edited after rejection.")


def test_a_bad_manifest_on_a_rejected_version_writes_nothing(app):
    version = make_version(app=app, status=S.REJECTED)
    data = manifest_data("1.0.0")
    data["scopes"][0]["level"] = "write"
    before = catalog_rows()

    with pytest.raises(ManifestInvalid) as caught:
        version_update(version=version, raw=json.dumps(data), actor=actor_system(label="t"))

    assert list(caught.value.fields) == ["$.scopes[0].level"]
    assert catalog_rows() == before
    assert AppVersion.objects.get(pk=version.pk).status == S.REJECTED


def test_a_number_of_another_version_is_refused(app):
    make_version(app=app, number="1.0.0", status=S.PUBLISHED)
    version = make_version(app=app, number="1.1.0")
    before = catalog_rows()

    with pytest.raises(ValidationFailed) as caught:
        version_update(version=version, raw=manifest_text("1.0.0"), actor=actor_system(label="t"))

    assert caught.value.fields == {"$.version": ["Version 1.0.0 exists: raise the version number."]}
    assert catalog_rows() == before


def test_a_too_long_changelog_is_refused(app):
    version = make_version(app=app)
    before = catalog_rows()

    with pytest.raises(ValidationFailed) as caught:
        version_update(version=version, changelog="x" * 10_001, actor=actor_system(label="t"))

    assert caught.value.fields == {"changelog": ["Use at most 10,000 characters."]}
    assert catalog_rows() == before


@pytest.mark.parametrize(
    ("app_type", "status"),
    [
        ("public", S.SUBMITTED),
        ("public", S.IN_REVIEW),
        ("public", S.APPROVED),
        ("public", S.PUBLISHED),
        ("public", S.HIDDEN),
        ("private", S.PUBLISHED),
        ("private", S.HIDDEN),
    ],
)
def test_only_drafts_and_rejected_versions_can_be_edited(account, app_type, status):
    app = make_app(account=account, type=app_type)
    version = make_version(app=app, status=status)
    before = catalog_rows()

    with pytest.raises(Conflict) as caught:
        version_update(
            version=version,
            raw=manifest_text("1.0.0"),
            changelog="x",
            actor=actor_system(label="t"),
        )

    assert caught.value.code == "version_not_editable"
    label = S(status).label.lower()
    assert caught.value.message == (
        f"Version 1.0.0 is {label}: only drafts and rejected versions can be edited. "
        "Create a new version instead."
    )
    assert catalog_rows() == before


def test_the_status_is_read_from_the_database_not_the_callers_object(app):
    version = make_version(app=app)
    stale = AppVersion.objects.get(pk=version.pk)
    # The version moves on behind the stale object's back.
    version_submit(version=version, actor=actor_system(label="t"))
    before = catalog_rows()

    with pytest.raises(Conflict) as caught:
        version_update(version=stale, changelog="Late edit.", actor=actor_system(label="t"))

    assert caught.value.code == "version_not_editable"
    assert catalog_rows() == before


def test_an_edited_number_stays_between_its_neighbours(app):
    first = make_version(app=app, number="1.0.0")
    middle = make_version(app=app, number="1.1.0")
    make_version(app=app, number="2.0.0")
    before = catalog_rows()

    with pytest.raises(ValidationFailed) as lower:
        version_update(version=middle, raw=manifest_text("0.9.0"), actor=actor_system(label="t"))
    with pytest.raises(ValidationFailed) as higher:
        version_update(version=middle, raw=manifest_text("2.1.0"), actor=actor_system(label="t"))

    assert lower.value.fields == {"$.version": ["Use a version number higher than 1.0.0."]}
    assert higher.value.fields == {"$.version": ["Use a version number lower than 2.0.0."]}
    assert catalog_rows() == before
    version_update(version=middle, raw=manifest_text("1.5.0"), actor=actor_system(label="t"))
    version_update(version=first, raw=manifest_text("0.9.0"), actor=actor_system(label="t"))
    assert sorted(AppVersion.objects.values_list("number", flat=True)) == [
        "0.9.0",
        "1.5.0",
        "2.0.0",
    ]
