"""Whole lives of an app through the REST API alone: a private app published directly,
and a public app through moderation (rejected, fixed, approved), published, listed and
found in the marketplace. The CI case is two calls: create a version from a manifest
file, then submit it."""

import io
import json

import pytest

from apps.accounts.models import ApiKey
from apps.catalog.models import App, AppVersion
from apps.moderation.models import Review
from tests.apps.api.helpers import API, api_client, assert_error
from tests.apps.catalog.api.helpers import app_url, post_json, post_manifest, version_url
from tests.factories.catalog import manifest_data, manifest_text

pytestmark = pytest.mark.django_db

CHECKLIST = {"functionality": True, "works_as_described": True, "security": True, "scopes": True}


def manifest_upload(version: str, name: str = "manifest.json", **overrides) -> io.BytesIO:
    upload = io.BytesIO(manifest_text(version, **overrides).encode())
    upload.name = name
    return upload


def test_a_private_app_is_published_without_moderation(developer, account):
    dev = api_client(developer)

    created = post_json(dev, f"{API}/apps", {"name": "Back office sync", "type": "private"})
    assert created.status_code == 201, created.content
    app = App.objects.get(code=created.json()["code"])
    assert (app.account, app.type, app.created_by) == (account, "private", developer)

    version = post_manifest(dev, app_url(app, "/versions"), manifest_text("1.0.0"))
    assert version.status_code == 201, version.content
    assert version.json()["status"] == "draft"
    assert version.json()["actions"] == ["edit", "publish"]

    url = f"{app_url(app)}/versions/1.0.0"
    assert_error(dev.post(f"{url}/submit"), 409, "illegal_transition")

    published = dev.post(f"{url}/publish")
    assert published.status_code == 200
    assert published.json()["status"] == "published"
    assert published.json()["actions"] == ["hide"]
    assert published.json()["published_at"] is not None

    assert dev.post(f"{url}/hide").json()["status"] == "hidden"
    assert dev.post(f"{url}/publish").json()["status"] == "published"

    refused = dev.post(app_url(app, "/list"))
    error = assert_error(
        refused, 400, "invalid", fields={"type", "summary", "description", "support_email"}
    )
    assert error["fields"]["type"] == [
        "Only public apps appear in the catalog; private apps use links."
    ]
    history = dev.get(f"{url}/history").json()["results"]
    assert [(e["from_status"], e["to_status"]) for e in history] == [
        (None, "draft"),
        ("draft", "published"),
        ("published", "hidden"),
        ("hidden", "published"),
    ]
    assert {e["actor"] for e in history} == {"dev@acme.test"}
    assert api_client().get(f"{API}/marketplace/apps").json()["count"] == 0


def test_a_public_app_goes_through_moderation_into_the_marketplace(
    developer, moderator, account_key
):
    dev = api_client(developer)
    ci = api_client(key=account_key)
    mod = api_client(moderator)

    # The developer creates the app; the secret is shown once.
    created = post_json(dev, f"{API}/apps", {"name": "Invoicer", "type": "public"})
    assert created.status_code == 201
    assert created.json()["credentials"]["client_secret"]
    app = App.objects.get(code=created.json()["code"])

    # CI: two calls, a manifest file then submit.
    made = ci.post(
        app_url(app, "/versions"),
        {"manifest": manifest_upload("1.0.0"), "changelog": "First release."},
        format="multipart",
    )
    assert made.status_code == 201, made.content
    assert made.json()["changelog"] == "First release."
    submitted = ci.post(version_url(AppVersion.objects.get(app=app), "/submit"))
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "submitted"
    version = AppVersion.objects.get(app=app)
    assert version.created_by is None  # an API key is no user

    # The moderator finds it in the queue, claims it and rejects it with a reason.
    queue = mod.get(f"{API}/moderation/queue").json()
    assert [(i["id"], i["status"], i["claimed_by"]) for i in queue["results"]] == [
        (version.pk, "submitted", None)
    ]
    review_url = f"{API}/moderation/versions/{version.pk}"
    assert mod.post(f"{review_url}/claim").json()["status"] == "in_review"
    rejected = post_json(
        mod,
        f"{review_url}/reject",
        {"reason": "fin.invoices:full is not justified.", "checklist": {"scopes": False}},
    )
    assert rejected.status_code == 200, rejected.content
    assert rejected.json()["status"] == "rejected"

    # The developer sees why, edits the manifest (back to draft) and resubmits.
    seen = dev.get(version_url(version)).json()
    assert seen["status"] == "rejected"
    assert seen["rejection_reason"] == "fin.invoices:full is not justified."
    assert seen["actions"] == ["edit"]
    fixed = manifest_data("1.0.0")
    fixed["scopes"][1]["level"] = "read"
    edited = dev.put(
        version_url(version) + "?changelog=Reads%20invoices%20only.",
        data=json.dumps(fixed),
        content_type="application/json",
    )
    assert edited.status_code == 200, edited.content
    assert edited.json()["status"] == "draft"
    assert edited.json()["changelog"] == "Reads invoices only."
    assert [s["scope"] for s in edited.json()["effective_scopes"]] == [
        "crm.accounts:read",
        "fin.invoices:read",
    ]
    assert dev.post(version_url(version, "/submit")).json()["status"] == "submitted"

    # The moderator approves it with the checklist ticked.
    assert mod.post(f"{review_url}/claim").status_code == 200
    approved = post_json(mod, f"{review_url}/approve", {"checklist": CHECKLIST, "notes": ""})
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved"
    assert [r["decision"] for r in approved.json()["reviews"]] == ["approved", "rejected"]

    # The developer publishes, writes the listing and lists the app.
    assert dev.post(version_url(version, "/publish")).json()["status"] == "published"
    listing = dev.patch(
        app_url(app),
        {
            "summary": "Invoices from deals.",
            "description": "Creates an invoice for every won deal.",
            "support_email": "help@invoicer.example.com",
        },
        format="json",
    )
    assert listing.status_code == 200, listing.content
    assert listing.json()["listing_problems"] == {}
    listed = dev.post(app_url(app, "/list"))
    assert listed.status_code == 200, listed.content
    assert listed.json()["listed"] is True

    # Anyone finds it in the marketplace.
    market = api_client().get(f"{API}/marketplace/apps")
    assert market.status_code == 200
    assert [(a["code"], a["name"], a["version"]) for a in market.json()["results"]] == [
        (str(app.code), "Invoicer", "1.0.0")
    ]

    history = dev.get(version_url(version, "/history")).json()["results"]
    key = f"API key {ApiKey.objects.get(name='CI').display_prefix}"
    assert [(e["from_status"], e["to_status"], e["actor"]) for e in history] == [
        (None, "draft", key),
        ("draft", "submitted", key),
        ("submitted", "in_review", "moderator@platform.test"),
        ("in_review", "rejected", "moderator@platform.test"),
        ("rejected", "draft", "dev@acme.test"),
        ("draft", "submitted", "dev@acme.test"),
        ("submitted", "in_review", "moderator@platform.test"),
        ("in_review", "approved", "moderator@platform.test"),
        ("approved", "published", "dev@acme.test"),
    ]
    assert history[3]["reason"] == "fin.invoices:full is not justified."
    assert Review.objects.filter(version=version).count() == 2
