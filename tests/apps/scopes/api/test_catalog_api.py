"""GET /api/v1/scopes: the scope catalog as data, open to everyone, read-only.

Access matrix: anonymous, an outsider (admin of another account), a member without the
admin or developer flag, a developer and an account API key all read the same catalog;
every other method is refused with 405 and nothing changes.
"""

import pytest

from apps.accounts.services import api_key_revoke
from apps.scopes.catalog import build_catalog
from apps.scopes.policies import scope_phrase
from tests.apps.api.helpers import API, api_client, assert_error, snapshot
from tests.factories import ApiKeyFactory

pytestmark = pytest.mark.django_db

URL = f"{API}/scopes"
BASE = build_catalog()
PERSONAS = ["anonymous", "outsider", "member", "developer", "api_key"]


@pytest.fixture
def client_as(request, account):
    """``client_as(persona)``: an API client for one of ``PERSONAS``."""

    def make(persona: str):
        if persona == "anonymous":
            return api_client()
        if persona == "api_key":
            _, raw = ApiKeyFactory(account=account)
            return api_client(key=raw)
        return api_client(request.getfixturevalue(persona))

    return make


@pytest.mark.parametrize("persona", PERSONAS)
def test_everyone_reads_the_same_catalog(client_as, persona):
    response = client_as(persona).get(URL)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == api_client().get(URL).json()


@pytest.fixture
def body(db):
    response = api_client().get(URL)
    assert response.status_code == 200
    return response.json()


def test_body_sections(body):
    assert list(body) == ["levels", "modules", "scopes", "events", "app_events", "locations"]
    assert body["levels"] == ["read", "full"]


def test_body_lists_every_module_with_its_models(body):
    assert body["modules"] == [
        {"code": m.code, "label": m.label, "models": list(m.models)} for m in BASE.modules.values()
    ]
    assert body["modules"][1] == {
        "code": "crm",
        "label": "CRM",
        "models": [
            "crm.account",
            "crm.company",
            "crm.contact",
            "crm.phone",
            "crm.email",
            "crm.leads",
            "crm.leadsitems",
            "crm.pipeline",
            "crm.stage",
        ],
    }


def test_body_lists_every_scope_sorted_by_code(body):
    assert [s["code"] for s in body["scopes"]] == [
        "agile",
        "calendar",
        "crm",
        "crm.accounts",
        "crm.deals",
        "customlists",
        "fin",
        "fin.invoices",
        "knowledgebase",
        "orgchart",
        "products",
        "st",
        "task",
        "timetracker",
        "user.me",
        "users",
        "workspace",
    ]


@pytest.mark.parametrize(
    "code, expected",
    [
        pytest.param(
            "crm.accounts",
            {
                "code": "crm.accounts",
                "module": "crm",
                "is_module_scope": False,
                "current_user_only": False,
                "description": (
                    "CRM accounts, companies and contacts, with their phones and e-mails"
                ),
                "models": ["crm.account", "crm.company", "crm.contact", "crm.phone", "crm.email"],
                "consent": {
                    "read": "View CRM accounts, companies and contacts, with their phones and "
                    "e-mails",
                    "full": "View, create, change and delete CRM accounts, companies and "
                    "contacts, with their phones and e-mails",
                },
            },
            id="crm.accounts",
        ),
        pytest.param(
            "user.me",
            {
                "code": "user.me",
                "module": "users",
                "is_module_scope": False,
                "current_user_only": True,
                "description": "your own user profile (only the user who authorized the app)",
                "models": ["users.user"],
                "consent": {
                    "read": "View your own user profile (only the user who authorized the app)",
                    "full": "View, create, change and delete your own user profile (only the "
                    "user who authorized the app)",
                },
            },
            id="user.me",
        ),
        pytest.param(
            "fin",
            {
                "code": "fin",
                "module": "fin",
                "is_module_scope": True,
                "current_user_only": False,
                "description": (
                    "everything in Finance: invoices, their items, transactions and bank accounts"
                ),
                "models": [
                    "fin.invoices",
                    "fin.items",
                    "fin.itemsrelation",
                    "fin.transaction",
                    "fin.bankaccount",
                ],
                "consent": {
                    "read": "View everything in Finance: invoices, their items, transactions "
                    "and bank accounts",
                    "full": "View, create, change and delete everything in Finance: invoices, "
                    "their items, transactions and bank accounts",
                },
            },
            id="fin",
        ),
    ],
)
def test_scope_entry(body, code, expected):
    (entry,) = [s for s in body["scopes"] if s["code"] == code]

    assert entry == expected


def test_every_scope_entry_matches_the_catalog(body):
    for entry in body["scopes"]:
        scope = BASE.scopes[entry["code"]]
        assert entry["module"] == scope.module
        assert entry["is_module_scope"] is scope.is_module
        assert entry["current_user_only"] is scope.self_only
        assert entry["description"] == scope.description
        assert entry["models"] == list(BASE.scope_models(scope.code))
        assert entry["consent"] == {
            "read": scope_phrase(f"{scope.code}:read"),
            "full": scope_phrase(f"{scope.code}:full"),
        }


def test_body_lists_every_event(body):
    assert len(body["events"]) == 3 * len(BASE.models)
    assert body["events"] == [
        {"code": f"{model}.{action}", "model": model, "action": action}
        for model in BASE.models
        for action in ("created", "updated", "deleted")
    ]
    assert body["events"][0] == {
        "code": "users.user.created",
        "model": "users.user",
        "action": "created",
    }


def test_body_lists_the_app_events_which_need_no_scope(body):
    assert [e["code"] for e in body["app_events"]] == [
        "app.installed",
        "app.updated",
        "app.uninstalled",
    ]
    assert all(set(e) == {"code", "description"} and e["description"] for e in body["app_events"])
    assert not [e for e in body["events"] if e["code"].startswith("app.")]


def test_body_lists_every_location(body):
    assert [loc["code"] for loc in body["locations"]] == list(BASE.locations)
    assert body["locations"][0] == {
        "code": "main_menu",
        "label": "Main menu",
        "description": "An item in the main menu that opens the app full page.",
        "model": None,
    }
    (deal_card,) = [loc for loc in body["locations"] if loc["code"] == "crm.deal.card"]
    assert deal_card == {
        "code": "crm.deal.card",
        "label": "CRM deal card",
        "description": "A panel on a CRM deal.",
        "model": "crm.leads",
    }


def test_body_follows_the_catalog_extension_in_settings(settings):
    settings.MARKETPLACE_SCOPE_CATALOG = {
        "modules": {
            "billing": {
                "label": "Billing",
                "description": "billing runs",
                "models": ["billing.run"],
            }
        }
    }

    body = api_client().get(URL).json()

    assert body["modules"][-1] == {"code": "billing", "label": "Billing", "models": ["billing.run"]}
    (billing,) = [s for s in body["scopes"] if s["code"] == "billing"]
    assert billing["consent"] == {
        "read": "View billing runs",
        "full": "View, create, change and delete billing runs",
    }
    assert [e["code"] for e in body["events"][-3:]] == [
        "billing.run.created",
        "billing.run.updated",
        "billing.run.deleted",
    ]


# --- read-only ---------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_writing_is_refused(client_as, persona, method):
    client = client_as(persona)
    client.get(URL)  # an API key records its first use; later calls within a minute do not
    before = snapshot()

    response = getattr(client, method)(URL, {"code": "crm.x"}, format="json")

    error = assert_error(response, 405, "method_not_allowed")
    assert method.upper() in error["message"]
    assert snapshot() == before


def test_a_revoked_api_key_is_refused_even_here(account):
    key, raw = ApiKeyFactory(account=account)
    api_key_revoke(key=key, revoked_by=None)

    response = api_client(key=raw).get(URL)

    assert_error(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_the_schema_documents_the_endpoint(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()

    assert set(schema["paths"][URL]) == {"get"}
    assert schema["paths"][URL]["get"]["tags"] == ["manifests"]
