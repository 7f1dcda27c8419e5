"""The connector's customer pages: module data through the App API.

========================  ==========================================================
``GET /customers``        the account's active CRM accounts of one kind (customers by
                          default), by name: ``GET /api/v1/crm/account/?kind=…``
``POST /customers/task``  create a follow-up task for one of them:
                          ``POST /api/v1/task/task/`` with an ``Idempotency-Key``
========================  ==========================================================

The token acts as its user: a user whose role may not read the CRM or write tasks gets
the API's 403, which the page shows as it came. The create carries an idempotency key
made when the form was shown, so pressing the button twice (or a retry after a dropped
connection) makes one task.
"""

from __future__ import annotations

import json
import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from examples.connector.oauth import ApiAnswer

if TYPE_CHECKING:
    from examples.connector.app import ConnectorApp, Response

KINDS = ("customer", "prospect", "partner", "supplier")
PAGE_SIZE = 20


def customer_list_path(kind: str) -> str:
    """The App API call that lists the active CRM accounts of ``kind``, by name."""
    query = {"kind": kind, "status": "active", "ordering": "name", "page_size": PAGE_SIZE}
    return f"/api/v1/crm/account/?{urlencode(query)}"


def task_body(crm_account: dict[str, Any]) -> dict[str, Any]:
    """The follow-up task the connector creates for a CRM account."""
    return {
        "title": f"Follow up with {crm_account['name']}"[:200],
        "description": "Created by Example Connector from the customer list.",
        "priority": "high",
        "crm_account": crm_account["id"],
    }


def customers(app: ConnectorApp, sid: str, query: dict[str, str]) -> Response:
    from examples.connector.app import _answer_html, _e, redirect

    connection = app.connection()
    if connection is None:
        return redirect("/")
    kind = query.get("kind", "customer")
    if kind not in KINDS:
        kind = "customer"
    listed = app.client.api_get(customer_list_path(kind), connection.access_token)
    notice = app.notices.pop(sid, "")
    options = "".join(
        f'<option value="{k}"{" selected" if k == kind else ""}>{k.capitalize()}s</option>'
        for k in KINDS
    )
    parts = [
        f'<p class="notice">{_e(notice)}</p>' if notice else "",
        f"<p>Connected to <code>{_e(connection.account)}</code>. "
        '<a href="/">Back to the connection</a></p>',
        '<form method="get" action="/customers" class="actions">'
        f'<label>Active <select name="kind" id="kind">{options}</select></label>'
        '<button id="show">Show</button></form>',
        _rows_html(app, sid, listed),
        _answer_html(f"GET {customer_list_path(kind)}", listed, "customers"),
    ]
    return app.page("Customers", "".join(parts))


def _rows_html(app: ConnectorApp, sid: str, listed: ApiAnswer) -> str:
    from examples.connector.app import _e

    if not listed.ok or not isinstance(listed.body, dict):
        return "<p>The marketplace refused the list: see its answer below.</p>"
    rows = listed.body.get("results") or []
    if not rows:
        return "<p id='no-customers'>No CRM accounts of this kind.</p>"
    csrf = _e(app.csrf_token(sid))
    items = []
    for row in rows:
        # Made when the form is shown: a second press of this button is the same create.
        key = secrets.token_urlsafe(16)
        items.append(
            f"<tr id='crm-{int(row['id'])}'><td>{_e(row.get('name', ''))}</td>"
            f"<td>{_e(row.get('industry', ''))}</td><td>"
            '<form method="post" action="/customers/task">'
            f'<input type="hidden" name="csrf" value="{csrf}">'
            f'<input type="hidden" name="crm_account" value="{int(row["id"])}">'
            f'<input type="hidden" name="name" value="{_e(row.get("name", ""))}">'
            f'<input type="hidden" name="key" value="{_e(key)}">'
            "<button>Create a follow-up task</button></form></td></tr>"
        )
    more = " (the first page)" if listed.body.get("next") else ""
    return (
        f"<p>{len(rows)} CRM accounts{more}.</p>"
        "<table id='customer-list'><thead><tr><th>Name</th><th>Industry</th><th></th></tr>"
        f"</thead><tbody>{''.join(items)}</tbody></table>"
    )


def task_create(app: ConnectorApp, sid: str, form: dict[str, str]) -> Response:
    from examples.connector.app import _answer_html, _e, redirect

    connection = app.connection()
    if connection is None:
        return redirect("/")
    try:
        crm_account = {"id": int(form.get("crm_account", "")), "name": form.get("name", "")}
    except ValueError:
        return app.page("No customer", "<p>Choose a customer on the list.</p>", status=400)
    created = app.client.api_post(
        "/api/v1/task/task/",
        connection.access_token,
        task_body(crm_account),
        idempotency_key=form.get("key") or secrets.token_urlsafe(16),
    )
    if created.ok and isinstance(created.body, dict):
        summary = (
            f"<p id='task-created'>Task <code>{_e(created.body.get('id'))}</code> "
            f"“{_e(created.body.get('title', ''))}” is in the account's tasks"
            f"{' (sent before: the same task)' if created.replayed else ''}.</p>"
        )
    else:
        summary = "<p>The marketplace did not create the task: see its answer below.</p>"
    body = json.dumps(task_body(crm_account), indent=2)
    return app.page(
        "Follow-up task",
        summary
        + f"<h2>POST /api/v1/task/task/</h2><pre id='task-request'>{_e(body)}</pre>"
        + _answer_html("Answer", created, "task")
        + '<p><a href="/customers">Back to the customers</a></p>',
    )
