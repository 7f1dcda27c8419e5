"""The access matrix of every module record endpoint, generated from the registry: a
newly registered model gets these tests without writing any.

For each registration and each of its five operations (list, retrieve, create, update,
delete): app tokens with an unrelated scope, the module scope at read and at full, used
by a member whose role has no right, read or full on the module and by an admin; an
installation that grants less than the token claims; API keys of the account and of
another account; a console session; another account's app and ids. A refusal names
what was missing and leaves every row as it was.
"""

import pytest

from apps.modules.registry import registrations
from tests.apps.api.helpers import api_client, assert_error
from tests.apps.modules.api.matrix import LEVEL_RANK, OPS, check_allowed, fresh, rows
from tests.apps.modules.records import make_record

pytestmark = pytest.mark.django_db

REGISTRATIONS = registrations()


def _unrelated(module: str) -> str:
    return "task" if module != "task" else "crm"


@pytest.fixture
def people(admin, member_with):
    def make(module: str) -> dict:
        return {
            "none": member_with({}),
            "read": member_with({module: "read"}),
            "full": member_with({module: "full"}),
            "admin": admin,
        }

    return make


@pytest.mark.parametrize("registration", REGISTRATIONS, ids=lambda r: r.code)
def test_app_tokens_need_the_scope_the_grant_and_the_users_right(
    registration, account, other_account, install, token_for, people
):
    module = registration.module
    users = people(module)  # before the installation, whose access rules name their roles
    installation = install(f"{module}:full", f"{_unrelated(module)}:full")
    other_record = make_record(registration.model, other_account)
    for scope_level in ("none", "read", "full"):
        scopes = [f"{module}:{scope_level}"] if scope_level != "none" else []
        scopes.append(f"{_unrelated(module)}:full")
        for who, user in users.items():
            client = api_client(key=token_for(installation, user, scopes))
            right = "full" if who == "admin" else who
            for op in OPS:
                record = fresh(registration, account)
                before = rows(registration)
                response = op.call(client, registration, account, record)
                case = (registration.code, op.name, scope_level, who)
                if LEVEL_RANK[scope_level] < LEVEL_RANK[op.need]:
                    error = assert_error(response, 403, "insufficient_scope", fields={"scope"})
                    assert f"{module}:{op.need}" in error["fields"]["scope"], case
                    assert rows(registration) == before, case
                elif LEVEL_RANK[right] < LEVEL_RANK[op.need]:
                    error = assert_error(response, 403, "insufficient_rights", fields={"right"})
                    assert error["fields"]["right"] == [f"{module}:{op.need}"], case
                    assert rows(registration) == before, case
                else:
                    check_allowed(op, response, registration, account, record, other_record)


@pytest.mark.parametrize("registration", REGISTRATIONS, ids=lambda r: r.code)
def test_the_installations_grant_caps_what_a_token_claims(
    registration, account, install, token_for, admin
):
    module = registration.module
    installation = install(f"{module}:read")
    client = api_client(key=token_for(installation, admin, [f"{module}:full"]))
    for op in OPS:
        record = fresh(registration, account)
        before = rows(registration)
        response = op.call(client, registration, account, record)
        if op.need == "read":
            assert response.status_code == 200, response.content
        else:
            error = assert_error(response, 403, "insufficient_scope", fields={"scope"})
            assert "no longer grants" in error["message"]
            assert rows(registration) == before


@pytest.mark.parametrize("registration", REGISTRATIONS, ids=lambda r: r.code)
def test_an_api_key_reaches_its_account_and_nothing_else(
    registration, account, other_account, account_key, other_key
):
    other_record = make_record(registration.model, other_account)
    client = api_client(key=account_key)
    for op in OPS:
        record = fresh(registration, account)
        response = op.call(client, registration, account, record)
        check_allowed(op, response, registration, account, record, other_record)

    outsider = api_client(key=other_key)
    for op in OPS:
        if op.name in ("list", "create"):
            continue
        record = fresh(registration, account)
        before = rows(registration)
        assert_error(op.call(outsider, registration, account, record), 404, "not_found")
        assert rows(registration) == before
    listed = outsider.get(f"/api/v1/{registration.path}/").json()["results"]
    assert [row["id"] for row in listed] == [other_record.pk]


@pytest.mark.parametrize("registration", REGISTRATIONS, ids=lambda r: r.code)
def test_another_accounts_app_gets_404_for_this_accounts_ids(
    registration, account, other_account, install, token_for, outsider
):
    installation = install(f"{registration.module}:full", on=other_account)
    client = api_client(key=token_for(installation, outsider))
    for op in OPS:
        if not op.detail:
            continue
        record = fresh(registration, account)
        before = rows(registration)
        assert_error(op.call(client, registration, account, record), 404, "not_found")
        assert rows(registration) == before


@pytest.mark.parametrize("registration", REGISTRATIONS, ids=lambda r: r.code)
def test_a_console_session_and_anonymous_callers_are_refused(registration, account, admin):
    for client in (api_client(admin), api_client()):
        for op in OPS:
            record = fresh(registration, account)
            before = rows(registration)
            assert_error(op.call(client, registration, account, record), 401, "not_authenticated")
            assert rows(registration) == before
