"""The connector's pages inside the marketplace (the ``main_menu`` embedding).

``GET /embed`` is the page the marketplace frames: it verifies the launch token of its
address before showing whom it was opened by, then talks to the marketplace through the
JS SDK. ``GET /embed/whoami`` is what its script asks our backend with a fresh launch
token (``Authorization: Bearer <launch token>``): the backend answers only for a verified
token, each token once. ``GET /embed/dialog`` is shown in the marketplace's modal.
"""

from __future__ import annotations

import html
import json
from typing import Any

from examples.connector.config import Config
from examples.connector.launch import LaunchRefused, LaunchVerifier

SDK_PATH = "/static/sdk/marketplace-sdk-1.0.0.js"


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def embed_page(
    config: Config, verifier: LaunchVerifier, query: dict[str, str], connected: str
) -> tuple[int, str, str]:
    """(status, title, content) of ``/embed``."""
    try:
        launch = verifier.verify(query.get("launch_token", ""))
    except LaunchRefused as refused:
        return (
            403,
            "Example Connector",
            f"<p id='launch-status' class='refused'>Launch token refused: {_e(refused)}. "
            "Open this page from the marketplace's menu.</p>",
        )
    shown = {k: v for k, v in sorted(query.items()) if k != "launch_token"}
    rows = "".join(f"<dt>{_e(k)}</dt><dd><code>{_e(v)}</code></dd>" for k, v in shown.items())
    origin = json.dumps(config.marketplace_url)
    return (
        200,
        "Example Connector",
        f"<p id='launch-status' class='ok'>Verified launch: user <code>{_e(launch.user_id)}"
        f"</code> of <code>{_e(launch.account)}</code> at <code>{_e(launch.location)}</code>, "
        f"access <code>{_e(' '.join(launch.access) or 'none')}</code>.</p>"
        f"<p>{connected}</p>"
        f"<p id='sdk-status'>Connecting to the marketplace…</p>"
        "<div class='actions'><button id='whoami-button' type='button'>Ask our backend who "
        "I am</button><button id='dialog-button' type='button'>Open a dialog</button>"
        "<button id='customers-button' type='button'>List customers</button></div>"
        "<p id='whoami'></p><p id='dialog-result'></p><ul id='customers'></ul>"
        f"<h2>Launch context</h2><dl class='facts'>{rows}</dl>"
        f"<script src='{_e(config.marketplace_url + SDK_PATH)}'></script>"
        f"<script>{_SCRIPT.replace('__ORIGIN__', origin)}</script>",
    )


_SCRIPT = """
(function () {
  var sdk = window.MarketplaceSDK;
  function show(id, text) { document.getElementById(id).textContent = text; }
  function whoami() {
    return sdk.launchToken().then(function (t) {
      return fetch("/embed/whoami", { headers: { Authorization: "Bearer " + t.launch_token } });
    }).then(function (r) { return r.json(); }).then(function (body) {
      show("whoami", body.error ? "Refused: " + body.error
        : "Our backend verified: user " + body.user + " of " + body.account +
          " (installation " + body.installation + ")");
    });
  }
  if (!sdk) { show("sdk-status", "The marketplace's SDK did not load."); return; }
  sdk.init({ hostOrigin: __ORIGIN__ }).then(function (context) {
    show("sdk-status", "SDK ready: " + context.embedding + " in " + context.lang);
    document.getElementById("whoami-button").onclick = whoami;
    document.getElementById("customers-button").onclick = function () {
      sdk.api.request("GET", "crm/account/").then(function (answer) {
        var list = document.getElementById("customers");
        list.textContent = "";
        (answer.body.results || []).forEach(function (account) {
          var item = document.createElement("li");
          item.textContent = account.name;
          list.appendChild(item);
        });
      }).catch(function (error) { show("whoami", "The API refused: " + error.message); });
    };
    document.getElementById("dialog-button").onclick = function () {
      sdk.ui.modal("/embed/dialog").then(function (value) {
        show("dialog-result", "The dialog answered: " + JSON.stringify(value));
      });
    };
    return whoami().then(function () {
      return sdk.ui.notify("Example Connector is ready", "success");
    });
  }).catch(function (error) { show("sdk-status", "SDK: " + error.code + ": " + error.message); });
})();
"""


def dialog_page(config: Config) -> tuple[int, str, str]:
    origin = json.dumps(config.marketplace_url)
    return (
        200,
        "A dialog of the Example Connector",
        "<p>This page is shown in the marketplace's dialog.</p>"
        "<button id='dialog-close' type='button'>Close with an answer</button>"
        f"<script src='{_e(config.marketplace_url + SDK_PATH)}'></script>"
        "<script>MarketplaceSDK.init({hostOrigin: "
        + origin
        + "}).then(function () { document.getElementById('dialog-close').onclick = "
        "function () { MarketplaceSDK.ui.close({ok: true}); }; });</script>",
    )


def whoami(verifier: LaunchVerifier, authorization: str) -> tuple[int, dict[str, Any]]:
    """Who a fresh launch token says opened the page; 401 for anything else."""
    scheme, _, token = authorization.partition(" ")
    try:
        if scheme.lower() != "bearer":
            raise LaunchRefused("send the launch token as Authorization: Bearer <token>")
        launch = verifier.verify(token.strip(), once=True)
    except LaunchRefused as refused:
        return 401, {"error": str(refused)}
    return 200, {
        "user": launch.user_id,
        "account": launch.account,
        "installation": launch.installation,
        "location": launch.location,
        "record": launch.record,
        "access": list(launch.access),
    }
