"""The scope catalog: the scopes the published rules list, the models each one covers, the
webhook events and embedding locations derived from it, and a host's extension through
``MARKETPLACE_SCOPE_CATALOG`` (refused by ``CatalogError`` and by the system check)."""

import pytest
from django.core import checks
from django.test import override_settings

from apps.scopes.catalog import (
    BASE_MODULE_MODELS,
    CatalogError,
    EventAction,
    Location,
    Module,
    Scope,
    build_catalog,
    get_catalog,
)
from apps.scopes.checks import check_scope_catalog
from apps.scopes.policies import effective_scopes

BASE = build_catalog()

MODULE_SCOPES = [
    "users",
    "crm",
    "products",
    "fin",
    "st",
    "task",
    "agile",
    "calendar",
    "timetracker",
    "knowledgebase",
    "workspace",
    "orgchart",
    "customlists",
]
NARROW_SCOPES = ["user.me", "crm.accounts", "crm.deals", "fin.invoices"]

CRM_ACCOUNTS = ("crm.account", "crm.company", "crm.contact", "crm.phone", "crm.email")
CRM_DEALS = ("crm.leads", "crm.leadsitems")
FIN_INVOICES = ("fin.invoices", "fin.items", "fin.itemsrelation")

BILLING = {
    "label": "Billing",
    "description": "billing runs and plans",
    "models": ["billing.run", "billing.plan"],
}


# --- the base catalog ----------------------------------------------------------------------


def test_base_catalog_has_exactly_the_published_scopes():
    assert sorted(BASE.scopes) == sorted(MODULE_SCOPES + NARROW_SCOPES)


def test_every_module_has_a_module_scope_and_nothing_else_is_one():
    assert sorted(BASE.modules) == sorted(MODULE_SCOPES)
    assert sorted(code for code, scope in BASE.scopes.items() if scope.is_module) == sorted(
        MODULE_SCOPES
    )


def test_get_catalog_is_the_base_catalog_by_default():
    catalog = get_catalog()

    assert catalog.scopes == BASE.scopes
    assert catalog.modules == BASE.modules
    assert catalog.locations == BASE.locations
    assert get_catalog() is catalog


@pytest.mark.parametrize(
    "code, module, models, self_only",
    [
        pytest.param("users", "users", ("users.user",), False, id="users"),
        pytest.param("user.me", "users", ("users.user",), True, id="user.me"),
        pytest.param("crm.accounts", "crm", CRM_ACCOUNTS, False, id="crm.accounts"),
        pytest.param("crm.deals", "crm", CRM_DEALS, False, id="crm.deals"),
        pytest.param("fin.invoices", "fin", FIN_INVOICES, False, id="fin.invoices"),
    ],
)
def test_scope_covers_exactly_the_published_models(code, module, models, self_only):
    scope = BASE.scopes[code]

    assert BASE.scope_models(code) == models
    assert scope.module == module
    assert scope.self_only is self_only
    assert scope.is_module is (code == module)


@pytest.mark.parametrize("code", MODULE_SCOPES)
def test_module_scope_covers_every_model_of_its_module(code):
    scope = BASE.scopes[code]

    assert scope == Scope(
        code=code,
        module=code,
        description=scope.description,
        models=BASE_MODULE_MODELS[code],
        is_module=True,
    )
    assert BASE.scope_models(code) == BASE.modules[code].models == BASE_MODULE_MODELS[code]
    assert BASE.scope_models(code)
    assert all(model.startswith(f"{code}.") for model in BASE.scope_models(code))


@pytest.mark.parametrize(
    "module, narrower",
    [
        pytest.param("crm", CRM_ACCOUNTS + CRM_DEALS, id="crm"),
        pytest.param("fin", FIN_INVOICES, id="fin"),
        pytest.param("users", ("users.user",), id="users"),
    ],
)
def test_module_scope_includes_its_narrower_scopes(module, narrower):
    assert set(narrower) <= set(BASE.scope_models(module))


@pytest.mark.parametrize("code", NARROW_SCOPES)
def test_narrower_scope_models_are_inside_its_module(code):
    scope = BASE.scopes[code]

    assert not scope.is_module
    assert scope.models
    assert set(scope.models) <= set(BASE.modules[scope.module].models)


def test_only_user_me_is_self_only():
    assert [code for code, scope in BASE.scopes.items() if scope.self_only] == ["user.me"]


@pytest.mark.parametrize("code", MODULE_SCOPES + NARROW_SCOPES)
def test_every_scope_has_a_description(code):
    description = BASE.scopes[code].description

    assert isinstance(description, str)
    assert description.strip()


@pytest.mark.parametrize("code", MODULE_SCOPES)
def test_every_module_has_a_label(code):
    assert BASE.modules[code].label.strip()


# --- events ----------------------------------------------------------------------------------


def test_events_are_created_updated_deleted_for_every_model_in_model_order():
    assert list(BASE.events) == [
        f"{model}.{action}" for model in BASE.models for action in ("created", "updated", "deleted")
    ]
    assert len(BASE.events) == 3 * len(BASE.models)


@pytest.mark.parametrize(
    "code, model, action",
    [
        ("crm.account.created", "crm.account", EventAction.CREATED),
        ("crm.leads.updated", "crm.leads", EventAction.UPDATED),
        ("fin.invoices.deleted", "fin.invoices", EventAction.DELETED),
        ("users.user.created", "users.user", EventAction.CREATED),
        ("customlists.item.deleted", "customlists.item", EventAction.DELETED),
    ],
)
def test_event(code, model, action):
    event = BASE.events[code]

    assert (event.code, event.model, event.action) == (code, model, action)


@pytest.mark.parametrize("code", ["crm.accounts.created", "crm.created", "crm.account.read"])
def test_no_event_for_a_scope_or_an_unknown_action(code):
    assert code not in BASE.events


def test_every_model_is_in_exactly_one_module():
    assert len(BASE.models) == len(set(BASE.models))
    for model in BASE.models:
        holders = [m.code for m in BASE.modules.values() if model in m.models]
        assert holders == [model.split(".")[0]]
        assert BASE.module_of_model(model) == model.split(".")[0]


def test_module_of_an_unknown_model_is_none():
    assert BASE.module_of_model("crm.nope") is None


# --- locations -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code, model",
    [
        ("main_menu", None),
        ("settings.page", None),
        ("crm.account.card", "crm.account"),
        ("crm.deal.card", "crm.leads"),
        ("task.card", "task.task"),
        ("fin.invoice.card", "fin.invoices"),
    ],
)
def test_required_location(code, model):
    location = BASE.locations[code]

    assert location.code == code
    assert location.model == model
    assert location.label.strip()
    assert location.description.strip()


def test_every_location_model_is_in_the_catalog():
    models = [loc.model for loc in BASE.locations.values() if loc.model is not None]

    assert models
    assert set(models) <= set(BASE.models)


# --- extension -------------------------------------------------------------------------------


def test_a_new_module_gets_a_module_scope_and_events():
    catalog = build_catalog({"modules": {"billing": BILLING}})

    assert catalog.modules["billing"] == Module(
        code="billing", label="Billing", models=("billing.run", "billing.plan")
    )
    assert catalog.scopes["billing"] == Scope(
        code="billing",
        module="billing",
        description="billing runs and plans",
        models=("billing.run", "billing.plan"),
        is_module=True,
    )
    assert [code for code in catalog.events if code.startswith("billing.")] == [
        "billing.run.created",
        "billing.run.updated",
        "billing.run.deleted",
        "billing.plan.created",
        "billing.plan.updated",
        "billing.plan.deleted",
    ]
    assert set(catalog.scopes) == set(BASE.scopes) | {"billing"}


def test_models_added_to_an_existing_module_join_its_module_scope_only():
    catalog = build_catalog({"modules": {"crm": {"models": ["crm.quote", "crm.account"]}}})

    assert catalog.modules["crm"] == Module(
        code="crm", label="CRM", models=(*BASE_MODULE_MODELS["crm"], "crm.quote")
    )
    assert catalog.scope_models("crm") == (*BASE_MODULE_MODELS["crm"], "crm.quote")
    assert catalog.scope_models("crm.accounts") == CRM_ACCOUNTS
    assert catalog.scopes["crm"].description == BASE.scopes["crm"].description
    assert "crm.quote.created" in catalog.events
    assert catalog.scopes_covering("crm.quote") == (catalog.scopes["crm"],)


def test_an_existing_module_can_be_relabelled_and_redescribed():
    catalog = build_catalog(
        {"modules": {"crm": {"label": "Sales", "description": "the whole sales CRM"}}}
    )

    assert catalog.modules["crm"].label == "Sales"
    assert catalog.modules["crm"].models == BASE_MODULE_MODELS["crm"]
    assert catalog.scopes["crm"].description == "the whole sales CRM"


def test_a_new_narrower_scope_takes_part_in_precedence():
    catalog = build_catalog(
        {
            "scopes": {
                "crm.pipelines": {
                    "module": "crm",
                    "description": "CRM pipelines and their stages",
                    "models": ["crm.pipeline", "crm.stage"],
                }
            }
        }
    )

    assert catalog.scopes["crm.pipelines"] == Scope(
        code="crm.pipelines",
        module="crm",
        description="CRM pipelines and their stages",
        models=("crm.pipeline", "crm.stage"),
        is_module=False,
    )
    assert catalog.scopes_covering("crm.pipeline") == (
        catalog.scopes["crm"],
        catalog.scopes["crm.pipelines"],
    )
    assert effective_scopes(["crm.pipelines:full", "crm:read"], catalog=catalog) == ("crm:read",)
    assert effective_scopes(["crm.pipelines:full"], catalog=catalog) == ("crm.pipelines:full",)


def test_one_extension_adds_a_module_its_narrower_scope_and_a_location():
    catalog = build_catalog(
        {
            "modules": {"billing": BILLING, "crm": {"models": ["crm.quote"]}},
            "scopes": {
                "billing.runs": {
                    "module": "billing",
                    "description": "billing runs",
                    "models": ["billing.run"],
                },
                "crm.quotes": {"module": "crm", "description": "quotes", "models": ["crm.quote"]},
            },
            "locations": {
                "billing.run.card": {
                    "label": "Billing run",
                    "description": "A panel on a billing run.",
                    "model": "billing.run",
                }
            },
        }
    )

    assert catalog.scope_models("billing.runs") == ("billing.run",)
    assert catalog.scope_models("crm.quotes") == ("crm.quote",)
    assert catalog.locations["billing.run.card"].model == "billing.run"


@pytest.mark.parametrize(
    "spec, expected",
    [
        (
            {
                "label": "Company card",
                "description": "A panel on a company.",
                "model": "crm.company",
            },
            Location("crm.company.card", "Company card", "A panel on a company.", "crm.company"),
        ),
        (
            {"label": "Company card", "description": "A panel on a company."},
            Location("crm.company.card", "Company card", "A panel on a company.", None),
        ),
    ],
    ids=["with-model", "without-model"],
)
def test_a_new_location(spec, expected):
    catalog = build_catalog({"locations": {"crm.company.card": spec}})

    assert catalog.locations["crm.company.card"] == expected
    assert list(catalog.locations) == [*BASE.locations, "crm.company.card"]


@pytest.mark.parametrize("extension", [None, {}, {"modules": {}, "scopes": {}, "locations": {}}])
def test_an_empty_extension_is_the_base_catalog(extension):
    catalog = build_catalog(extension)

    assert catalog.scopes == BASE.scopes
    assert catalog.locations == BASE.locations


def test_building_an_extension_leaves_the_base_catalog_alone():
    build_catalog({"modules": {"billing": BILLING, "crm": {"models": ["crm.quote"]}}})

    assert build_catalog().scopes == BASE.scopes
    assert BASE_MODULE_MODELS["crm"][-1] == "crm.stage"


SCOPE_SPEC = {"module": "crm", "description": "d", "models": ["crm.account"]}
LOCATION_SPEC = {"label": "L", "description": "d"}

BROKEN = [
    pytest.param(
        {"module": {"billing": BILLING}},
        ["'module': unknown section; use 'modules', 'scopes' and 'locations'."],
        id="unknown-section",
    ),
    # modules
    pytest.param(
        {"modules": {"billing": {"label": "Billing", "description": "bills", "models": []}}},
        ["modules.billing: a new module needs at least one model."],
        id="new-module-without-models",
    ),
    pytest.param(
        {"modules": {"Billing": BILLING}},
        ["modules: 'Billing' must be lowercase letters, digits and '_'."],
        id="module-code-uppercase",
    ),
    pytest.param(
        {"modules": {"crm.x": BILLING}},
        ["modules: 'crm.x' must be lowercase letters, digits and '_'."],
        id="module-code-with-dot",
    ),
    pytest.param(
        {"modules": {"crm": {"models": ["fin.quote"]}}},
        ["modules.crm.models: 'fin.quote' must be 'crm.<name>'."],
        id="module-model-of-another-module",
    ),
    pytest.param(
        {"modules": {"crm": {"models": ["crm.Quote", "quote"]}}},
        [
            "modules.crm.models: 'crm.Quote' must be 'crm.<name>'.",
            "modules.crm.models: 'quote' must be 'crm.<name>'.",
        ],
        id="module-model-misspelt",
    ),
    pytest.param(
        {"modules": {"crm": {"models": "crm.quote"}}},
        ["modules.crm.models: must be a list of strings."],
        id="module-models-not-a-list",
    ),
    pytest.param(
        {"modules": {"billing": {"description": "d", "models": ["billing.run"]}}},
        ["modules.billing: a new module needs a label and a description."],
        id="new-module-without-label",
    ),
    pytest.param(
        {"modules": {"billing": {"label": "Billing", "models": ["billing.run"]}}},
        ["modules.billing: a new module needs a label and a description."],
        id="new-module-without-description",
    ),
    pytest.param(
        {"modules": {"billing": {"label": " ", "description": "", "models": ["billing.run"]}}},
        ["modules.billing: a new module needs a label and a description."],
        id="new-module-with-blank-label-and-description",
    ),
    # scopes
    pytest.param(
        {"scopes": {"crm.accounts": SCOPE_SPEC}},
        ["scopes.crm.accounts: the scope already exists."],
        id="scope-exists",
    ),
    pytest.param(
        {"scopes": {"crm": SCOPE_SPEC}},
        ["scopes.crm: the scope already exists."],
        id="scope-is-a-module-scope",
    ),
    pytest.param(
        {"scopes": {"crmx": SCOPE_SPEC}},
        ["scopes.crmx: a narrower scope is spelled '<module>.<name>'."],
        id="scope-code-without-module",
    ),
    pytest.param(
        {"scopes": {"CRM.x": SCOPE_SPEC}},
        ["scopes.CRM.x: a narrower scope is spelled '<module>.<name>'."],
        id="scope-code-uppercase",
    ),
    pytest.param(
        {"scopes": {"nope.x": {**SCOPE_SPEC, "module": "nope"}}},
        ["scopes.nope.x: 'module' must be the module its code starts with."],
        id="scope-unknown-module",
    ),
    pytest.param(
        {"scopes": {"crm.x": {**SCOPE_SPEC, "module": "fin"}}},
        ["scopes.crm.x: 'module' must be the module its code starts with."],
        id="scope-module-not-its-prefix",
    ),
    pytest.param(
        {"scopes": {"crm.x": {"description": "d", "models": ["crm.account"]}}},
        ["scopes.crm.x: 'module' must be the module its code starts with."],
        id="scope-without-module",
    ),
    pytest.param(
        {"scopes": {"crm.x": {**SCOPE_SPEC, "module": ["crm"]}}},
        ["scopes.crm.x: 'module' must be the module its code starts with."],
        id="scope-module-not-a-string",
    ),
    pytest.param(
        {"scopes": {"crm.x": {"module": "crm", "models": ["crm.account"]}}},
        ["scopes.crm.x: a description is required."],
        id="scope-without-description",
    ),
    pytest.param(
        {"scopes": {"crm.x": {**SCOPE_SPEC, "description": "  "}}},
        ["scopes.crm.x: a description is required."],
        id="scope-blank-description",
    ),
    pytest.param(
        {"scopes": {"crm.x": {**SCOPE_SPEC, "models": ["crm.account", "fin.invoices"]}}},
        ["scopes.crm.x.models: list one or more models of module 'crm'; not in it: fin.invoices."],
        id="scope-model-outside-module",
    ),
    pytest.param(
        {"scopes": {"crm.x": {**SCOPE_SPEC, "models": ["crm.nope", "crm.quote"]}}},
        [
            "scopes.crm.x.models: list one or more models of module 'crm'; "
            "not in it: crm.nope, crm.quote."
        ],
        id="scope-unknown-models",
    ),
    pytest.param(
        {"scopes": {"crm.x": {**SCOPE_SPEC, "models": []}}},
        ["scopes.crm.x.models: list one or more models of module 'crm'."],
        id="scope-without-models",
    ),
    pytest.param(
        {"scopes": {"crm.x": {"module": "crm", "description": "d"}}},
        [
            "scopes.crm.x.models: must be a list of strings.",
            "scopes.crm.x.models: list one or more models of module 'crm'.",
        ],
        id="scope-models-missing",
    ),
    # locations
    pytest.param(
        {"locations": {"main_menu": LOCATION_SPEC}},
        ["locations.main_menu: the location already exists."],
        id="location-exists",
    ),
    pytest.param(
        {"locations": {"Side Panel": LOCATION_SPEC}},
        ["locations.Side Panel: use lowercase letters, digits, '_' and '.'."],
        id="location-bad-code",
    ),
    pytest.param(
        {"locations": {"side_panel": {"description": "d"}}},
        ["locations.side_panel: a label and a description are required."],
        id="location-without-label",
    ),
    pytest.param(
        {"locations": {"side_panel": {"label": "Side panel", "description": ""}}},
        ["locations.side_panel: a label and a description are required."],
        id="location-blank-description",
    ),
    pytest.param(
        {"locations": {"crm.quote.card": {**LOCATION_SPEC, "model": "crm.quote"}}},
        ["locations.crm.quote.card.model: unknown model 'crm.quote'."],
        id="location-unknown-model",
    ),
    pytest.param(
        {"locations": {"crm.quote.card": {**LOCATION_SPEC, "model": ["crm.account"]}}},
        ["locations.crm.quote.card.model: unknown model ['crm.account']."],
        id="location-model-not-a-string",
    ),
    # shapes
    pytest.param(
        {"modules": ["billing"]},
        ["modules: must be a mapping of codes to definitions."],
        id="modules-not-a-mapping",
    ),
    pytest.param(
        {"scopes": "crm.x"},
        ["scopes: must be a mapping of codes to definitions."],
        id="scopes-not-a-mapping",
    ),
    pytest.param(
        {"locations": [LOCATION_SPEC]},
        ["locations: must be a mapping of codes to definitions."],
        id="locations-not-a-mapping",
    ),
    pytest.param(
        {"scopes": {"crm.x": "CRM x"}, "locations": {"side_panel": None}},
        [
            "scopes.crm.x: must map a code to a definition.",
            "locations.side_panel: must map a code to a definition.",
        ],
        id="definition-not-a-mapping",
    ),
    pytest.param(
        ["modules"],
        ["must be a mapping of 'modules', 'scopes' and 'locations'."],
        id="extension-not-a-mapping",
    ),
    # every problem at once
    pytest.param(
        {
            "modules": {"billing": {"models": ["billing.run"]}},
            "scopes": {"crm.deals": SCOPE_SPEC, "crm.x": {**SCOPE_SPEC, "description": None}},
            "locations": {"task.card": LOCATION_SPEC},
        },
        [
            "modules.billing: a new module needs a label and a description.",
            "scopes.crm.deals: the scope already exists.",
            "scopes.crm.x: a description is required.",
            "locations.task.card: the location already exists.",
        ],
        id="several-problems",
    ),
]


@pytest.mark.parametrize("extension, problems", BROKEN)
def test_broken_extension_raises_catalog_error_listing_every_problem(extension, problems):
    with pytest.raises(CatalogError) as excinfo:
        build_catalog(extension)

    assert excinfo.value.problems == problems
    assert str(excinfo.value) == "; ".join(problems)


# --- the setting and the system check --------------------------------------------------------


def test_the_setting_extends_the_catalog_in_force(settings):
    assert "billing" not in get_catalog().scopes

    settings.MARKETPLACE_SCOPE_CATALOG = {"modules": {"billing": BILLING}}

    assert get_catalog().scope_models("billing") == ("billing.run", "billing.plan")
    assert "billing.run.created" in get_catalog().events

    settings.MARKETPLACE_SCOPE_CATALOG = {"locations": {"side_panel": LOCATION_SPEC}}

    assert "billing" not in get_catalog().scopes
    assert "side_panel" in get_catalog().locations


def test_the_catalog_is_reset_when_the_override_ends():
    with override_settings(MARKETPLACE_SCOPE_CATALOG={"modules": {"billing": BILLING}}):
        assert "billing" in get_catalog().scopes

    assert "billing" not in get_catalog().scopes
    assert get_catalog().scopes == BASE.scopes


def test_without_the_setting_the_catalog_is_the_base_one(settings):
    del settings.MARKETPLACE_SCOPE_CATALOG

    assert get_catalog().scopes == BASE.scopes
    assert check_scope_catalog() == []


def test_system_check_passes_for_the_default_setting():
    assert check_scope_catalog() == []
    assert [m for m in checks.run_checks() if m.id == "scopes.E001"] == []


def test_system_check_passes_for_a_valid_extension(settings):
    settings.MARKETPLACE_SCOPE_CATALOG = {"modules": {"billing": BILLING}}

    assert check_scope_catalog() == []


def test_system_check_reports_each_problem_of_a_broken_extension(settings):
    settings.MARKETPLACE_SCOPE_CATALOG = {
        "modules": {"billing": {"models": ["billing.run"]}},
        "locations": {"task.card": LOCATION_SPEC},
    }

    errors = check_scope_catalog()

    assert [(e.id, e.level, e.msg) for e in errors] == [
        (
            "scopes.E001",
            checks.ERROR,
            "MARKETPLACE_SCOPE_CATALOG: modules.billing: a new module needs a label and a "
            "description.",
        ),
        (
            "scopes.E001",
            checks.ERROR,
            "MARKETPLACE_SCOPE_CATALOG: locations.task.card: the location already exists.",
        ),
    ]
    assert all(e.hint == "See apps/scopes/README.md for the extension format." for e in errors)


@pytest.mark.parametrize(
    "extension",
    [
        ["modules"],
        {"scopes": {"crm.x": {**SCOPE_SPEC, "module": ["crm"]}}},
        {"locations": {"x.card": {**LOCATION_SPEC, "model": {"crm": "account"}}}},
    ],
    ids=["extension-not-a-mapping", "unhashable-module", "unhashable-location-model"],
)
def test_system_check_reports_rather_than_crashes_on_odd_shapes(settings, extension):
    settings.MARKETPLACE_SCOPE_CATALOG = extension

    errors = check_scope_catalog()

    assert len(errors) == 1
    assert errors[0].id == "scopes.E001"


def test_the_registered_system_check_reports_a_broken_extension(settings):
    settings.MARKETPLACE_SCOPE_CATALOG = {"scopes": {"crm.accounts": SCOPE_SPEC}}

    assert [m.msg for m in checks.run_checks() if m.id == "scopes.E001"] == [
        "MARKETPLACE_SCOPE_CATALOG: scopes.crm.accounts: the scope already exists."
    ]
