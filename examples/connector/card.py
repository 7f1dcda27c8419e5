"""The connector's CRM account card (the ``crm.account.card`` embedding).

``GET /embed/account`` is the page the marketplace frames on a CRM account's page: it
verifies the launch token of its address, and shows the card only for a token whose
``record`` claim names a CRM account. Its script then talks to the marketplace through
the JS SDK: the launch context with the record, our backend's answer to a fresh launch
token (``/embed/whoami``, which names the record too), the account's contacts through
``api.request`` (the App API as the current user) and a notification.
"""

from __future__ import annotations

import html
import json

from examples.connector.config import Config
from examples.connector.embedded import SDK_PATH
from examples.connector.launch import LaunchRefused, LaunchVerifier

CARD_PATH = "/embed/account"


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def account_card_page(
    config: Config, verifier: LaunchVerifier, query: dict[str, str]
) -> tuple[int, str, str]:
    """(status, title, content) of ``/embed/account``: 403 without a verified launch
    token for a CRM account."""
    try:
        launch = verifier.verify(query.get("launch_token", ""))
        record = launch.record or {}
        if record.get("model") != "crm.account" or not isinstance(record.get("id"), int):
            raise LaunchRefused("the token names no CRM account")
    except LaunchRefused as refused:
        return (
            403,
            "Example Connector",
            f"<p id='launch-status' class='refused'>Launch token refused: {_e(refused)}. "
            "Open a CRM account in the marketplace to see this card.</p>",
        )
    return (
        200,
        "Example Connector",
        f"<p id='launch-status' class='ok'>Verified launch: user <code>{_e(launch.user_id)}"
        f"</code> of <code>{_e(launch.account)}</code> on CRM account "
        f"<code>{_e(record['id'])}</code>.</p>"
        "<p id='sdk-status'>Connecting to the marketplace…</p>"
        "<p id='whoami'></p><h2>Contacts</h2><ul id='contacts'></ul>"
        f"<script src='{_e(config.marketplace_url + SDK_PATH)}'></script>"
        f"<script>{_SCRIPT.replace('__ORIGIN__', json.dumps(config.marketplace_url))}</script>",
    )


_SCRIPT = """
(function () {
  var sdk = window.MarketplaceSDK;
  function show(id, text) { document.getElementById(id).textContent = text; }
  if (!sdk) { show("sdk-status", "The marketplace's SDK did not load."); return; }
  function whoami() {
    return sdk.launchToken().then(function (t) {
      return fetch("/embed/whoami", { headers: { Authorization: "Bearer " + t.launch_token } });
    }).then(function (r) { return r.json(); }).then(function (body) {
      show("whoami", body.error ? "Refused: " + body.error
        : "Our backend verified: user " + body.user + " of " + body.account + " on " +
          (body.record ? body.record.model + " " + body.record.id : "no record"));
    });
  }
  function contacts(accountId) {
    return sdk.api.request("GET", "crm/contact/?crm_account=" + accountId).then(function (answer) {
      var list = document.getElementById("contacts");
      var rows = answer.body.results || [];
      list.textContent = "";
      rows.forEach(function (contact) {
        var item = document.createElement("li");
        item.textContent = contact.first_name + " " + contact.last_name;
        list.appendChild(item);
      });
      if (!rows.length) show("contacts", "No contacts on this account yet.");
      return rows.length;
    });
  }
  sdk.init({ hostOrigin: __ORIGIN__ }).then(function (context) {
    var accountId = String(context.record || "").split(":")[1];
    show("sdk-status", "SDK ready on " + context.record);
    return whoami().then(function () { return contacts(accountId); }).then(function (count) {
      return sdk.ui.notify("Example Connector found " + count + " contact(s)", "success");
    });
  }).catch(function (error) { show("sdk-status", "SDK: " + error.code + ": " + error.message); });
})();
"""
