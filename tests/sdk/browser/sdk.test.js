/*
 * The SDK's own tests (static/sdk/marketplace-sdk-1.0.0.js), run in the browser by
 * runner.js on index.html, framed by the marketplace as a CRM account card. The page's
 * address is the launch context; the installation grants crm.accounts:full and has an
 * app-level secret setting "api_key" (set) and a user-level string "nickname".
 *
 * The ui.alert and ui.confirm tests wait for someone to answer the host's dialog (the
 * browser test clicks OK, then Cancel). The rate-limit test runs last: it spends the
 * frame's calls.
 */
(function () {
  "use strict";

  var test = SdkTests.test;
  var assert = SdkTests.assert;
  var sleep = SdkTests.sleep;
  var sdk = window.MarketplaceSDK;
  var launch = new URLSearchParams(location.search);
  var HOST = launch.get("host_origin");
  var RECORD_ID = Number(String(launch.get("record") || "").split(":")[1]);
  // The same server under its other loopback name: another origin than this page's.
  var OTHER_ORIGIN = location.origin.indexOf("127.0.0.1") >= 0
    ? location.origin.replace("127.0.0.1", "localhost")
    : location.origin.replace("localhost", "127.0.0.1");
  var context = null;

  function claims(token) {
    var part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part));
  }

  function until(check, what) {
    return (async function () {
      for (var i = 0; i < 50; i++) {
        if (check()) return;
        await sleep(100);
      }
      throw new Error("waited 5 s for " + what);
    })();
  }

  // An intruder frame (intruder.html) of `origin` inside this page, once it is ready.
  function intruder(origin) {
    return new Promise(function (resolve, reject) {
      var frame = document.createElement("iframe");
      frame.src = origin + location.pathname.replace(/[^/]*$/, "intruder.html");
      frame.hidden = true;
      var timer = setTimeout(function () { reject(new Error("the intruder frame did not load")); }, 5000);
      window.addEventListener("message", function ready(event) {
        if (event.source === frame.contentWindow && event.data && event.data.intruder === "ready") {
          window.removeEventListener("message", ready);
          clearTimeout(timer);
          resolve(frame);
        }
      });
      document.body.appendChild(frame);
    });
  }

  function heard(frame, words) {
    return new Promise(function (resolve) {
      window.addEventListener("message", function got(event) {
        var data = event.data || {};
        if (event.source === frame.contentWindow && words.indexOf(data.intruder) >= 0) {
          window.removeEventListener("message", got);
          resolve(data.intruder);
        }
      });
    });
  }

  function rawCall(id, method) {
    return new Promise(function (resolve) {
      window.addEventListener("message", function answer(event) {
        var data = event.data || {};
        if (event.source === parent && data.marketplace === "host" && data.id === id) {
          window.removeEventListener("message", answer);
          resolve(data);
        }
      });
      parent.postMessage({ marketplace: "sdk", protocol: 1, id: id, method: method, params: {} }, HOST);
    });
  }

  async function forgedAnswersIgnored(origin) {
    var frame = await intruder(origin);
    var themes = [];
    var off = sdk.on("theme.changed", function (data) { themes.push(data); });
    var call = sdk.launchToken(); // a server round trip: the forgeries arrive first
    frame.contentWindow.postMessage({ intruder: "answers", from: 1, to: 600 }, origin);
    assert.equal(await heard(frame, ["sent"]), "sent");
    var answer = await call;
    assert.ok(!answer.forged && answer.launch_token, "a forged answer was taken: " + JSON.stringify(answer));
    await sleep(200);
    off();
    assert.equal(themes, [], "forged host events");
    frame.remove();
  }

  async function hostIgnoresFrame(origin) {
    var frame = await intruder(origin);
    frame.contentWindow.postMessage({ intruder: "call" }, origin);
    assert.equal(await heard(frame, ["answered", "no answer"]), "no answer");
    frame.remove();
  }

  // --- the handshake and the launch context --------------------------------------------

  test("a call before init() rejects with not_initialized", function () {
    return assert.rejects(sdk.context(), "not_initialized");
  });

  test("init() refuses a hostOrigin that is not an http(s) origin", function () {
    return assert.rejects(sdk.init({ hostOrigin: "javascript:alert(1)" }), "invalid");
  });

  test("init() shakes hands with the host and resolves with the launch context", async function () {
    context = await sdk.init({ hostOrigin: HOST });
    assert.equal(context.location, "crm.account.card", "location");
    assert.equal(context.embedding_id, launch.get("embedding_id"), "embedding_id");
    assert.equal(context.embedding, launch.get("embedding"), "embedding");
    assert.equal(context.app, launch.get("app"), "app");
    assert.equal(context.version, launch.get("version"), "version");
    assert.equal(context.lang, launch.get("lang"), "lang");
    assert.equal(context.domain, launch.get("domain"), "domain");
    assert.equal(context.record, "crm.account:" + RECORD_ID, "record");
  });

  test("init() again resolves with the same context", async function () {
    assert.equal(await sdk.init(), context);
  });

  test("context() answers the launch context", async function () {
    assert.equal(await sdk.context(), context);
  });

  test("launchToken() gives a fresh signed token for this frame and record", async function () {
    var first = await sdk.launchToken();
    var second = await sdk.launchToken();
    var header = JSON.parse(atob(first.launch_token.split(".")[0].replace(/-/g, "+").replace(/_/g, "/")));
    assert.equal(header.alg, "ES256", "alg");
    assert.ok(header.kid, "a kid names the signing key");
    var c = claims(first.launch_token);
    assert.equal(c.location, "crm.account.card", "location");
    assert.equal(c.embedding_id, context.embedding_id, "embedding_id");
    assert.equal(c.record, { model: "crm.account", id: RECORD_ID }, "record");
    assert.equal(c.exp, first.expires_at, "expires_at");
    assert.ok(c.exp - c.iat <= 300, "lives at most five minutes");
    assert.ok(c.aud && c.sub && c.installation, "aud, sub, installation");
    assert.ok(c.jti !== claims(second.launch_token).jti, "each token has its own jti");
  });

  // --- settings -----------------------------------------------------------------------

  test("settings.app() shows a secret only as set", async function () {
    var values = await sdk.settings.app();
    assert.equal(values.api_key, { set: true });
  });

  test("settings.setUser() saves the user's own settings and settings.user() reads them", async function () {
    assert.equal((await sdk.settings.setUser({ nickname: "Sam" })).nickname, "Sam");
    assert.equal((await sdk.settings.user()).nickname, "Sam");
  });

  test("settings.setUser() refuses what is not settings, saving nothing", async function () {
    await assert.rejects(sdk.settings.setUser("Sam"), "invalid");
    await assert.rejects(sdk.settings.setUser({ no_such_setting: "x" }), "invalid");
    assert.equal((await sdk.settings.user()).nickname, "Sam");
  });

  // --- api.request ----------------------------------------------------------------------

  test("api.request() calls the App API as the user", async function () {
    var answer = await sdk.api.request("GET", "crm/account/" + RECORD_ID + "/");
    assert.equal(answer.status, 200, "status");
    assert.equal(answer.body.id, RECORD_ID, "the record");
  });

  test("api.request() rejects with the API's own error code", async function () {
    await assert.rejects(sdk.api.request("GET", "task/task/"), "insufficient_scope", "no grant");
    await assert.rejects(sdk.api.request("GET", "crm/account/999999999/"), "not_found", "no record");
  });

  test("api.request() refuses a bad method or path before any call", async function () {
    await assert.rejects(sdk.api.request("TRACE", "crm/account/"), "invalid", "method");
    await assert.rejects(sdk.api.request("GET", "../../admin/"), "invalid", "a path out");
    await assert.rejects(sdk.api.request("GET", "https://evil.example/x"), "invalid", "an address");
    await assert.rejects(sdk.api.request("GET", ""), "invalid", "no path");
  });

  // --- ui.* ---------------------------------------------------------------------------

  test("ui.notify() shows text on the host page; no text is refused", async function () {
    assert.equal(await sdk.ui.notify("Hello from the SDK tests", "success"), null);
    await assert.rejects(sdk.ui.notify(""), "invalid");
    await assert.rejects(sdk.ui.notify(42), "invalid");
  });

  test("ui.resize() sets the frame's height; a bad height is refused", async function () {
    assert.equal(await sdk.ui.resize(900), null);
    await assert.rejects(sdk.ui.resize(-5), "invalid");
    await assert.rejects(sdk.ui.resize("tall"), "invalid");
  });

  test("ui.navigate() opens the product's own pages only", async function () {
    await assert.rejects(sdk.ui.navigate("https://evil.example/"), "invalid");
    await assert.rejects(sdk.ui.navigate("//evil.example/"), "invalid");
    await assert.rejects(sdk.ui.navigate("/\\evil.example/"), "invalid");
  });

  test("ui.modal() and ui.sidePanel() frame only pages of the app's own origin", async function () {
    await assert.rejects(sdk.ui.modal("https://evil.example/"), "invalid");
    await assert.rejects(sdk.ui.sidePanel(OTHER_ORIGIN + "/page"), "invalid");
    await assert.rejects(sdk.ui.modal(""), "invalid");
  });

  test("ui.close() outside a modal changes nothing", async function () {
    assert.equal(await sdk.ui.close("done"), null);
  });

  test("ui.alert() resolves when the user closes the dialog", async function () {
    await assert.rejects(sdk.ui.alert(""), "invalid");
    assert.equal(await sdk.ui.alert("An alert from the SDK tests"), null);
  });

  test("ui.confirm() resolves with the user's answer", async function () {
    assert.equal(await sdk.ui.confirm("A question from the SDK tests"), false);
  });

  // --- on() and host events ---------------------------------------------------------------

  test("on() refuses a handler that is not a function", function () {
    try {
      sdk.on("record.changed", "not a function");
    } catch (error) {
      assert.equal(error.code, "invalid");
      return;
    }
    throw new Error("on() took a string as handler");
  });

  test("on() hears record.changed after a write to the record; off() stops it", async function () {
    var first = [];
    var second = [];
    var off = sdk.on("record.changed", function (data) { first.push(data); });
    sdk.on("record.changed", function (data) { second.push(data); });
    await sdk.api.request("PATCH", "crm/account/" + RECORD_ID + "/", { name: "Renamed by the SDK tests" });
    await until(function () { return first.length === 1; }, "record.changed");
    assert.equal(first[0].model, "crm.account", "model");
    assert.equal(first[0].id, RECORD_ID, "id");
    assert.ok(first[0].revision > 1, "a newer revision");
    off();
    await sdk.api.request("PATCH", "crm/account/" + RECORD_ID + "/", { name: "Renamed again" });
    await until(function () { return second.length === 2; }, "the second record.changed");
    assert.equal(second[1].revision, first[0].revision + 1, "the next revision");
    assert.equal(first.length, 1, "off() stops the handler");
  });

  test("an unknown call is refused with unknown_method", async function () {
    var answer = await rawCall("raw-1", "no.such.call");
    assert.equal(answer.ok, false);
    assert.equal(answer.error.code, "unknown_method");
  });

  // --- origins and frames -------------------------------------------------------------

  test("a forged answer posted by the page itself is ignored", async function () {
    var call = sdk.context();
    for (var id = 1; id <= 600; id++) {
      window.postMessage({ marketplace: "host", protocol: 1, id: id, ok: true, result: { forged: true } }, "*");
    }
    var answer = await call;
    assert.ok(!answer.forged, "a forged answer was taken");
    assert.equal(answer, context);
  });

  test("forged answers and events from another frame of the app's origin are ignored", function () {
    return forgedAnswersIgnored(location.origin);
  });

  test("forged answers and events from a frame of another origin are ignored", function () {
    return forgedAnswersIgnored(OTHER_ORIGIN);
  });

  test("the host does not answer a frame of the app's origin that it did not place", function () {
    return hostIgnoresFrame(location.origin);
  });

  test("the host does not answer a frame of another origin", function () {
    return hostIgnoresFrame(OTHER_ORIGIN);
  });

  // --- last: the frame's call limit ----------------------------------------------------

  test("calls beyond the frame's limit reject with rate_limited", async function () {
    var calls = [];
    for (var i = 0; i < 150; i++) calls.push(sdk.context());
    var settled = await Promise.allSettled(calls);
    var limited = settled.filter(function (s) { return s.status === "rejected" && s.reason.code === "rate_limited"; });
    assert.equal(settled[0].status, "fulfilled", "the first call within the limit");
    assert.ok(limited.length > 0, "no call was limited");
    assert.ok(/wait/i.test(limited[0].reason.message), "the message says to wait: " + limited[0].reason.message);
    assert.equal(settled.filter(function (s) { return s.status === "rejected"; }).length, limited.length, "only rate_limited");
  });
})();
