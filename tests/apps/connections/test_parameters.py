"""Generic connection parameters: saved by an account's admin, sensitive ones encrypted
and masked, every problem by key with nothing written, nobody else reaching them."""

import pytest

from apps.accounts.actors import actor_for_user
from apps.accounts.models import Membership
from apps.connections.models import ConnectionValue
from apps.connections.selectors import (
    connection_parameter_fields,
    connection_setup_missing,
)
from apps.connections.services import connection_parameters_save
from apps.core.crypto import decrypt
from apps.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from apps.installations.models import InstallationStatus
from tests.apps.connections.conftest import API_KEY
from tests.factories import make_app, make_version
from tests.factories.installations import make_installation

pytestmark = pytest.mark.django_db


def save(installation, user, **values):
    membership = Membership.objects.select_related("account", "role").filter(user=user).first()
    return connection_parameters_save(
        installation=installation,
        values=values,
        actor=actor_for_user(user=user, membership=membership),
    )


def rows(installation) -> dict:
    return {v.key: v for v in ConnectionValue.objects.filter(installation=installation)}


def test_an_admin_saves_parameters_and_the_sensitive_one_is_encrypted(installation, admin):
    assert connection_setup_missing(installation=installation) == ("API key", "Region")

    changed = save(installation, admin, api_key=API_KEY, region="eu", verbose="true")

    stored = rows(installation)
    assert changed == ["api_key", "region", "verbose"]
    assert stored["api_key"].value is None
    assert API_KEY not in stored["api_key"].secret
    assert decrypt(stored["api_key"].secret) == API_KEY
    assert stored["api_key"].secret_hint == "WXYZ"
    assert stored["region"].value == "eu"
    assert stored["verbose"].value is True
    assert connection_setup_missing(installation=installation) == ()


def test_fields_mask_the_sensitive_value(installation, admin):
    save(installation, admin, api_key=API_KEY, region="us")

    fields = {f.setting.key: f for f in connection_parameter_fields(installation=installation)}

    assert fields["api_key"].setting.type == "secret"
    assert fields["api_key"].value is None
    assert fields["api_key"].is_set is True
    assert fields["api_key"].masked.endswith("WXYZ")
    assert API_KEY not in repr(fields)
    assert fields["region"].value == "us"
    assert fields["verbose"].is_set is False


def test_an_empty_sensitive_value_keeps_the_stored_one(installation, admin):
    save(installation, admin, api_key=API_KEY, region="eu")
    before = rows(installation)["api_key"].secret

    assert save(installation, admin, api_key="", region="us") == ["region"]

    assert rows(installation)["api_key"].secret == before


def test_every_problem_is_reported_by_key_and_nothing_is_written(installation, admin):
    with pytest.raises(ValidationFailed) as caught:
        save(installation, admin, region="mars", nope="x")

    assert set(caught.value.fields) == {"api_key", "region", "nope"}
    assert rows(installation) == {}


@pytest.mark.parametrize(("who", "error"), [("member", PermissionDenied), ("outsider", NotFound)])
def test_only_the_accounts_admins_reach_the_parameters(installation, request, who, error):
    with pytest.raises(error):
        save(installation, request.getfixturevalue(who), api_key=API_KEY, region="eu")

    assert rows(installation) == {}


def test_an_installation_on_its_way_out_refuses(installation, admin):
    type(installation).objects.filter(pk=installation.pk).update(
        status=InstallationStatus.UNINSTALLING
    )

    with pytest.raises(Conflict):
        save(installation, admin, api_key=API_KEY, region="eu")

    assert rows(installation) == {}


def test_an_app_without_parameters_has_nothing_to_save(account, admin, other_account):
    app = make_app(account=other_account, name="Plain")
    version = make_version(app=app, number="1.0.0", status="published")
    plain = make_installation(account=account, version=version, by_user=admin)

    with pytest.raises(NotFound) as caught:
        save(plain, admin, api_key=API_KEY)

    assert caught.value.code == "no_connection"
