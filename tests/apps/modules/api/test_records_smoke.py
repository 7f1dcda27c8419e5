import pytest

from apps.modules.models import CrmAccount
from tests.apps.api.helpers import API, api_client

pytestmark = pytest.mark.django_db


def test_smoke(install, admin, token_for, account):
    inst = install("crm.accounts:full")
    token = token_for(inst, admin)
    client = api_client(key=token)
    r = client.post(f"{API}/crm/account/", {"name": "Initech"}, format="json")
    assert r.status_code == 201, r.content
    rid = r.json()["id"]
    r = client.get(f"{API}/crm/account/")
    assert r.status_code == 200, r.content
    print(r.json())
    r = client.patch(f"{API}/crm/account/{rid}/", {"status": "archived"}, format="json", HTTP_IF_MATCH='"1"')
    assert r.status_code == 200, r.content
    assert r["ETag"] == '"2"'
    r = client.patch(f"{API}/crm/account/{rid}/", {"status": "active"}, format="json", HTTP_IF_MATCH='"1"')
    print(r.json())
    assert r.status_code == 409
    r = client.get(f"{API}/crm/leads/")
    print(r.json())
    assert r.status_code == 403
    r = client.delete(f"{API}/crm/account/{rid}/")
    assert r.status_code == 204
    assert not CrmAccount.objects.exists()
