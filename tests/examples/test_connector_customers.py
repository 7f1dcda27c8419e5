"""The connector's customer pages against the live server, with the connector as a real
process: the account's active customers through the App API, and a follow-up task made
through it (once, however often its button is pressed), as its user's rights allow."""

import html
import re

import pytest
import requests

from apps.accounts.actors import actor_for_user
from apps.accounts.models import Membership
from apps.installations.models import Installation
from apps.installations.services import installation_access_set
from apps.modules.models import ChangeEvent, CrmAccount, Task
from tests.apps.modules.records import make_record
from tests.examples.test_connector_app import call
from tests.examples.test_connector_journey import Connector, free_port, press, sign_in
from tests.factories.catalog import make_app_with_secret, make_version

pytestmark = [pytest.mark.example_app, pytest.mark.django_db(transaction=True)]

SCOPES = [
    {"code": "users", "level": "read", "reason": "Lists your colleagues."},
    {"code": "crm.accounts", "level": "read", "reason": "Lists your customers."},
    {"code": "task", "level": "full", "reason": "Creates follow-up tasks."},
]


@pytest.fixture
def connector(live_server, other_account, tmp_path):
    port = free_port()
    app, secret = make_app_with_secret(account=other_account, name="Example Connector")
    make_version(
        app=app,
        status="published",
        redirect_uris=[f"http://localhost:{port}/oauth/callback"],
        scopes=SCOPES,
        webhooks=[],
    )
    process = Connector(
        port=port,
        marketplace_url=live_server.url,
        client_id=app.oauth_application.client_id,
        secret=secret,
        tmp_path=tmp_path,
    )
    yield process, app
    process.stop()
    assert secret not in process.log.read_text()


@pytest.fixture
def customers(account, other_account):
    """Acme's CRM accounts: three active customers, an archived one, a prospect; and a
    customer of another account."""
    names = ["Initech", "Acme Widgets", "Hooli"]
    made = {name: make_record(CrmAccount, account, name=name, kind="customer") for name in names}
    make_record(CrmAccount, account, name="Old Corp", kind="customer", status="archived")
    make_record(CrmAccount, account, name="Maybe Ltd", kind="prospect")
    make_record(CrmAccount, other_account, name="Globex Customer", kind="customer")
    return made


def connect(process, email) -> requests.Session:
    browser = requests.Session()
    login = browser.get(process.url + "/connect")
    page = sign_in(browser, login, email)
    if 'id="consent"' in page.text:
        page = press(browser, page)
    assert page.url == process.url + "/", page.text[:2000]
    assert 'id="customers"' in page.text
    return browser


def rows(page: str) -> list[str]:
    return [html.unescape(name) for name in re.findall(r"<tr id='crm-\d+'><td>([^<]*)</td>", page)]


def task_form(page: str, name: str) -> dict[str, str]:
    """The hidden fields of the "Create a follow-up task" form of customer ``name``."""
    row = re.search(rf"<tr id='crm-\d+'><td>{re.escape(html.escape(name))}</td>.*?</tr>", page)
    assert row, page[:3000]
    return {
        key: html.unescape(value)
        for key, value in re.findall(r'name="(\w+)" value="([^"]*)"', row.group(0))
    }


def test_the_customers_page_lists_the_accounts_active_customers_by_name(
    connector, customers, admin
):
    process, _app = connector
    browser = connect(process, admin.email)

    page = browser.get(process.url + "/customers")

    assert page.status_code == 200
    assert 'id="customers-status">200<' in page.text
    assert rows(page.text) == ["Acme Widgets", "Hooli", "Initech"]
    assert "kind=customer&amp;status=active&amp;ordering=name" in page.text
    prospects = browser.get(process.url + "/customers", params={"kind": "prospect"})
    assert rows(prospects.text) == ["Maybe Ltd"]


def test_a_follow_up_task_is_created_once_through_the_api(connector, customers, admin, account):
    process, app = connector
    browser = connect(process, admin.email)
    listing = browser.get(process.url + "/customers").text
    form = task_form(listing, "Hooli")

    created = browser.post(process.url + "/customers/task", data=form)
    again = browser.post(process.url + "/customers/task", data=form)  # pressed twice

    assert 'id="task-status">201<' in created.text
    assert "Follow up with Hooli" in html.unescape(created.text)
    task = Task.objects.get(account=account)
    assert (task.title, task.crm_account, task.priority) == (
        "Follow up with Hooli",
        customers["Hooli"],
        "high",
    )
    assert f"Task <code>{task.pk}</code>" in created.text
    assert "sent before: the same task" in again.text
    assert Task.objects.count() == 1
    event = ChangeEvent.objects.get(model="task.task")
    installation = Installation.objects.get(app=app, account=account)
    assert (event.action, event.actor_kind, event.installation_id, event.actor_user_id) == (
        "created",
        "app",
        installation.pk,
        admin.pk,
    )


def test_a_user_without_the_task_right_sees_the_refusal_and_nothing_is_made(
    connector, customers, admin, member, account, sales_role
):
    process, app = connector
    connect(process, admin.email)
    installation_access_set(
        installation=Installation.objects.get(account=account, app=app),
        role_ids=[sales_role.pk],
        group_ids=[],
        actor=actor_for_user(
            user=admin, membership=Membership.objects.get(user=admin, account=account)
        ),
    )
    browser = connect(process, member.email)  # Sales: crm full, task read only
    listing = browser.get(process.url + "/customers").text
    assert rows(listing) == ["Acme Widgets", "Hooli", "Initech"]

    refused = browser.post(process.url + "/customers/task", data=task_form(listing, "Initech"))

    assert 'id="task-status">403<' in refused.text
    assert "insufficient_rights" in refused.text
    assert "did not create the task" in refused.text
    assert not Task.objects.exists()
    assert not ChangeEvent.objects.filter(model="task.task").exists()


def test_the_customer_pages_need_a_connection_and_the_pages_csrf_token(tmp_path):
    from examples.connector.app import ConnectorApp
    from examples.connector.config import Config

    app = ConnectorApp(
        Config(
            marketplace_url="http://127.0.0.1:8000",
            client_id="client-1",
            client_secret="secret-abcdefghijkl",
            host="localhost",
            port=8001,
            public_url="http://localhost:8001",
            token_file=tmp_path / "tokens.json",
        )
    )

    assert call(app, "GET", "/customers")[:2][0] == 303
    status, _, page = call(app, "POST", "/customers/task", form={"crm_account": "1"})
    assert status == 403
    assert "stale" in page
