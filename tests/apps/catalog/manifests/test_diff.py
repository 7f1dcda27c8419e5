"""What changed between two manifests: scopes after precedence, items by id or key, and
whether admins must consent again."""

import json
from collections.abc import Callable
from typing import Any

import pytest

from apps.catalog.manifests import Manifest, manifest_diff, manifest_validate
from tests.apps.catalog.manifests.fixtures import SETTING, valid_manifest

NO_ITEMS = {"added": [], "removed": [], "changed": []}
NO_SCOPES = {"added": [], "removed": [], "raised": [], "lowered": [], "exceeding": []}


def build(change: Callable[[dict[str, Any]], Any] | None = None) -> Manifest:
    data = valid_manifest()
    if change is not None:
        change(data)
    check = manifest_validate(data)
    assert check.errors == (), check.errors
    assert check.manifest is not None
    return check.manifest


def with_scopes(*scopes: str) -> Manifest:
    """A manifest declaring exactly ``scopes`` (``code:level``) and needing none of them."""

    def change(data: dict[str, Any]) -> None:
        data["scopes"] = [
            {"code": s.split(":")[0], "level": s.split(":")[1], "reason": "Needed."} for s in scopes
        ]
        data["webhooks"] = []
        data["embeddings"] = [e for e in data["embeddings"] if e["location"] == "main_menu"]
        del data["settings"][SETTING["reference"]]

    return build(change)


def test_identical_manifests_have_no_changes():
    diff = manifest_diff(build(), build())

    assert diff.changed is False
    assert diff.needs_consent is False
    assert diff.as_dict() == {
        "from_version": "2.1.0",
        "to_version": "2.1.0",
        "needs_consent": False,
        "scopes": NO_SCOPES,
        "webhooks": NO_ITEMS,
        "embeddings": NO_ITEMS,
        "settings": NO_ITEMS,
        "connection": {
            "changes": {},
            "parameters": {"added": [], "removed": [], "changed": []},
            "needs_reconnect": False,
        },
        "other": {},
    }


def test_a_new_version_number_alone_is_no_change():
    diff = manifest_diff(build(), build(lambda d: d.update(version="2.2.0-rc.1")))

    assert diff.changed is False
    assert (diff.old_version, diff.new_version) == ("2.1.0", "2.2.0-rc.1")
    assert diff.as_dict()["from_version"] == "2.1.0"
    assert diff.as_dict()["to_version"] == "2.2.0-rc.1"


# --- scopes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected", "needs_consent"),
    [
        pytest.param(
            ["crm.accounts:read"],
            ["crm:full"],
            {"added": ["crm:full"], "removed": ["crm.accounts:read"], "exceeding": ["crm:full"]},
            True,
            id="narrow-read-to-module-full",
        ),
        pytest.param(
            ["crm:full"],
            ["crm.accounts:read"],
            {"added": ["crm.accounts:read"], "removed": ["crm:full"]},
            False,
            id="module-full-to-narrow-read",
        ),
        pytest.param(
            ["users:read"],
            ["user.me:read"],
            {"added": ["user.me:read"], "removed": ["users:read"]},
            False,
            id="users-to-user.me",
        ),
        pytest.param(
            ["user.me:read"],
            ["users:read"],
            {"added": ["users:read"], "removed": ["user.me:read"], "exceeding": ["users:read"]},
            True,
            id="user.me-to-users",
        ),
        pytest.param(
            ["user.me:full"],
            ["users:read"],
            {"added": ["users:read"], "removed": ["user.me:full"], "exceeding": ["users:read"]},
            True,
            id="own-profile-full-to-every-user-read",
        ),
        pytest.param(
            ["crm.accounts:read"],
            ["crm.accounts:full"],
            {
                "raised": [{"code": "crm.accounts", "from": "read", "to": "full"}],
                "exceeding": ["crm.accounts:full"],
            },
            True,
            id="raised",
        ),
        pytest.param(
            ["crm.accounts:full"],
            ["crm.accounts:read"],
            {"lowered": [{"code": "crm.accounts", "from": "full", "to": "read"}]},
            False,
            id="lowered",
        ),
        pytest.param(
            ["crm.accounts:read"],
            ["crm.accounts:read", "task:read"],
            {"added": ["task:read"], "exceeding": ["task:read"]},
            True,
            id="added",
        ),
        pytest.param(
            ["crm.accounts:read", "task:read"],
            ["crm.accounts:read"],
            {"removed": ["task:read"]},
            False,
            id="removed",
        ),
        pytest.param(
            ["crm.accounts:read", "task:full"],
            ["crm.accounts:full", "fin:read"],
            {
                "added": ["fin:read"],
                "removed": ["task:full"],
                "raised": [{"code": "crm.accounts", "from": "read", "to": "full"}],
                "exceeding": ["crm.accounts:full", "fin:read"],
            },
            True,
            id="several-at-once",
        ),
        pytest.param(
            ["crm:read"],
            ["crm:read", "crm.accounts:full"],
            {},
            False,
            id="declared-but-ignored-under-its-module",
        ),
        pytest.param(
            ["crm.accounts:read"],
            ["crm.accounts:read", "crm.accounts:read"],
            {},
            False,
            id="declared-twice",
        ),
        pytest.param(
            ["crm.accounts:full"],
            ["crm.accounts:read", "crm.accounts:full"],
            {},
            False,
            id="lower-level-also-declared",
        ),
        pytest.param(
            ["task:read", "crm.accounts:read"],
            ["crm.accounts:read", "task:read"],
            {},
            False,
            id="reordered",
        ),
        pytest.param([], [], {}, False, id="no-scopes"),
    ],
)
def test_scopes_are_compared_after_precedence(old, new, expected, needs_consent):
    diff = manifest_diff(with_scopes(*old), with_scopes(*new))

    assert diff.as_dict()["scopes"] == {**NO_SCOPES, **expected}
    assert diff.needs_consent is needs_consent
    assert diff.as_dict()["needs_consent"] is needs_consent
    assert diff.changed is bool(set(expected) - {"exceeding"})


# --- webhooks, embeddings, settings -------------------------------------------------------------


def test_webhooks_are_compared_by_id():
    def change(data):
        data["webhooks"][0]["url"] = "https://invoicer.example.com/v2/hooks"
        data["webhooks"].append(
            {
                "id": "invoice-created",
                "event": "fin.invoices.created",
                "url": "https://invoicer.example.com/v2/hooks",
            }
        )

    diff = manifest_diff(build(), build(change))

    assert diff.as_dict()["webhooks"] == {
        "added": [
            {
                "id": "invoice-created",
                "event": "fin.invoices.created",
                "url": "https://invoicer.example.com/v2/hooks",
            }
        ],
        "removed": [],
        "changed": [
            {
                "id": "invoice-updated",
                "changes": {
                    "url": {
                        "from": "https://invoicer.example.com/hooks/invoices",
                        "to": "https://invoicer.example.com/v2/hooks",
                    }
                },
            }
        ],
    }
    assert diff.changed is True
    assert diff.needs_consent is False


def test_a_renamed_webhook_is_removed_and_added():
    diff = manifest_diff(build(), build(lambda d: d["webhooks"][0].update(id="invoice-changed")))

    webhooks = diff.as_dict()["webhooks"]
    assert [w["id"] for w in webhooks["added"]] == ["invoice-changed"]
    assert [w["id"] for w in webhooks["removed"]] == ["invoice-updated"]
    assert webhooks["changed"] == []


def test_embeddings_are_compared_by_id():
    def change(data):
        data["embeddings"][0].update(location="crm.account.card", title="Invoices")
        del data["embeddings"][1]

    diff = manifest_diff(build(), build(change))

    assert diff.as_dict()["embeddings"] == {
        "added": [],
        "removed": [
            {
                "id": "menu",
                "location": "main_menu",
                "code": "app.home",
                "url": "https://invoicer.example.com/embed/home",
                "title": "Invoicer",
            }
        ],
        "changed": [
            {
                "id": "invoice-panel",
                "changes": {
                    "location": {"from": "fin.invoice.card", "to": "crm.account.card"},
                    "title": {"from": "Invoicer", "to": "Invoices"},
                },
            }
        ],
    }


def test_settings_are_compared_by_key():
    def change(data):
        settings = data["settings"]
        settings[SETTING["select"]]["options"].append({"value": "gbp", "label": "Pound"})
        settings[SETTING["number"]]["default"] = 14
        settings[SETTING["string"]]["required"] = False
        del settings[SETTING["file"]]
        settings.append({"key": "notes", "level": "user", "type": "text", "label": "Notes"})

    diff = manifest_diff(build(), build(change))

    settings = diff.as_dict()["settings"]
    assert settings["added"] == [
        {
            "key": "notes",
            "level": "user",
            "type": "text",
            "label": "Notes",
            "help": "",
            "required": False,
            "default": None,
            "options": [],
            "model": None,
        }
    ]
    assert [s["key"] for s in settings["removed"]] == ["logo"]
    assert settings["changed"] == [
        {"id": "company_name", "changes": {"required": {"from": True, "to": False}}},
        {
            "id": "currency",
            "changes": {
                "options": {
                    "from": [
                        {"value": "eur", "label": "Euro"},
                        {"value": "usd", "label": "US dollar"},
                    ],
                    "to": [
                        {"value": "eur", "label": "Euro"},
                        {"value": "usd", "label": "US dollar"},
                        {"value": "gbp", "label": "Pound"},
                    ],
                }
            },
        },
        {"id": "due_days", "changes": {"default": {"from": 30, "to": 14}}},
    ]


def test_a_setting_changing_type_lists_every_changed_field():
    def change(data):
        data["settings"][SETTING["text"]].update(type="string", label="Footer line")

    diff = manifest_diff(build(), build(change))

    assert diff.as_dict()["settings"]["changed"] == [
        {
            "id": "footer",
            "changes": {
                "type": {"from": "text", "to": "string"},
                "label": {"from": "Footer", "to": "Footer line"},
            },
        }
    ]


# --- the rest ------------------------------------------------------------------------------------


def test_authorization_redirect_uris_and_connection_test_url():
    def change(data):
        data["authorization"] = "user"
        data["redirect_uris"][0] = "https://invoicer.example.com/oauth/v2"
        del data["connection_test_url"]

    diff = manifest_diff(build(), build(change))

    assert diff.as_dict()["other"] == {
        "authorization": {"from": "account", "to": "user"},
        "connection_test_url": {"from": "https://invoicer.example.com/check", "to": None},
        "redirect_uris": {
            "added": ["https://invoicer.example.com/oauth/v2"],
            "removed": ["https://invoicer.example.com/oauth/callback"],
        },
    }
    assert diff.changed is True
    assert diff.needs_consent is False


def test_reordering_redirect_uris_is_no_change():
    diff = manifest_diff(build(), build(lambda d: d["redirect_uris"].reverse()))

    assert diff.changed is False


def test_a_connection_test_url_added():
    old = build(lambda d: d.pop("connection_test_url"))

    diff = manifest_diff(old, build())

    assert diff.other == {
        "connection_test_url": {"from": None, "to": "https://invoicer.example.com/check"}
    }


def test_the_diff_is_json_serialisable():
    def change(data):
        data["version"] = "3.0.0"
        data["scopes"][0]["level"] = "full"
        data["webhooks"] = []
        data["settings"][SETTING["number"]]["default"] = 2.5
        data["authorization"] = "user"

    body = manifest_diff(build(), build(change)).as_dict()

    assert json.loads(json.dumps(body)) == body
    assert body["needs_consent"] is True
    assert body["scopes"]["raised"] == [{"code": "crm.accounts", "from": "read", "to": "full"}]
    assert [w["id"] for w in body["webhooks"]["removed"]] == ["invoice-updated"]
