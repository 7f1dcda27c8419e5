/*
 * The host side of the embedded-app bridge (the app side is static/sdk/).
 *
 * Each [data-embedded] element holds one app frame. A message is answered only when it
 * comes from that frame's window (event.source) AND from the origin of the app's page
 * (data-origin): a message from another frame, another window or another origin is
 * ignored. Answers are posted to that frame with that origin as the target, so nothing
 * reaches a page that navigated elsewhere. Each frame has its own per-minute call limit.
 *
 * Calls: init, context, launchToken, auth.tokens, auth.reauthorize, settings.app,
 * settings.user, settings.setUser, api.request, ui.notify, ui.alert,
 * ui.confirm, ui.modal, ui.sidePanel, ui.navigate, ui.resize. Events sent to frames:
 * theme.changed; record.changed to the record cards of a record's page (see watchRecord);
 * lang.changed when the user saves another interface language (in any of their tabs: the
 * preferences page tells the others over a BroadcastChannel).
 * A frame that has not called init() within 15 s is said not to answer.
 */
(function () {
  "use strict";

  var PROTOCOL = 1;
  var ANSWER_WITHIN_MS = 15000;
  var frames = [];

  function Frame(root, iframe, parent) {
    this.root = root;
    this.iframe = iframe;
    this.origin = root.getAttribute("data-origin");
    this.context = JSON.parse(root.getAttribute("data-context") || "{}");
    this.limit = parseInt(root.getAttribute("data-calls-per-minute") || "120", 10);
    this.calls = [];
    this.ready = false;
    this.parent = parent || null; // a modal's or side panel's frame answers for its opener
  }

  Frame.prototype.post = function (message) {
    if (this.iframe.contentWindow) {
      message.marketplace = "host";
      message.protocol = PROTOCOL;
      this.iframe.contentWindow.postMessage(message, this.origin);
    }
  };

  Frame.prototype.counted = function () {
    var now = Date.now();
    this.calls = this.calls.filter(function (t) { return now - t < 60000; });
    if (this.calls.length >= this.limit) return false;
    this.calls.push(now);
    return true;
  };

  Frame.prototype.owner = function () { return this.parent || this; };

  function failure(code, message) {
    var error = new Error(message);
    error.code = code;
    return error;
  }

  function postJson(frame, attribute, body) {
    var owner = frame.owner();
    var url = owner.root.getAttribute(attribute);
    var headers = { "X-CSRFToken": owner.root.getAttribute("data-csrf"), Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) {
          var error = (body && body.error) || {};
          throw failure(error.code || "server_error", error.message || "The marketplace did not answer; retry in a moment.");
        }
        return body;
      });
    });
  }

  // --- the host's own UI --------------------------------------------------------------

  function notify(text, level) {
    var box = document.getElementById("embedded-notices");
    if (!box) {
      box = document.createElement("div");
      box.id = "embedded-notices";
      box.className = "embedded-notices";
      box.setAttribute("role", "status");
      box.setAttribute("aria-live", "polite");
      document.body.appendChild(box);
    }
    var item = document.createElement("p");
    var kind = ["info", "success", "warning", "error"].indexOf(level) >= 0 ? level : "info";
    item.className = "message message--" + kind;
    item.textContent = text; // text only: an app never writes markup into the host
    box.appendChild(item);
    setTimeout(function () { item.remove(); }, 6000);
  }

  function dialog(build) {
    return new Promise(function (resolve) {
      var d = document.createElement("dialog");
      d.className = "embedded-dialog";
      build(d, function (value) { d.close(); d.remove(); resolve(value); });
      document.body.appendChild(d);
      d.addEventListener("cancel", function () { d.remove(); resolve(undefined); });
      d.showModal();
    });
  }

  function textDialog(title, text, buttons) {
    return dialog(function (d, done) {
      var h = document.createElement("h2");
      h.textContent = title;
      var p = document.createElement("p");
      p.textContent = text;
      var actions = document.createElement("div");
      actions.className = "embedded-dialog__actions";
      buttons.forEach(function (b) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "button" + (b.primary ? " button--primary" : "");
        button.textContent = b.label;
        button.addEventListener("click", function () { done(b.value); });
        actions.appendChild(button);
      });
      d.append(h, p, actions);
    });
  }

  function framedDialog(frame, url, side) {
    var target;
    try {
      // Relative to the embedding's page (a lazily launched frame's src is the host's).
      target = new URL(url, frame.owner().root.getAttribute("data-page-url") || frame.iframe.src);
    } catch (e) {
      return Promise.reject(failure("invalid", "url: give an address on your app's own origin."));
    }
    if (target.origin !== frame.origin) {
      return Promise.reject(failure("invalid", "url: only pages of your app's own origin (" + frame.origin + ") open here."));
    }
    var owner = frame.owner();
    var src;
    var launch = owner.root.getAttribute("data-launch-url");
    if (launch) {
      // A lazily launched frame: its launch URL sends the dialog's frame on to the page,
      // with the launch context and a launch token of its own.
      src = launch + "&to=" + encodeURIComponent(target.href);
    } else {
      new URL(owner.iframe.src).searchParams.forEach(function (value, key) {
        if (!target.searchParams.has(key)) target.searchParams.set(key, value);
      });
      src = target.href;
    }
    return dialog(function (d, done) {
      d.classList.add(side ? "embedded-dialog--side" : "embedded-dialog--modal");
      var close = document.createElement("button");
      close.type = "button";
      close.className = "button button--small embedded-dialog__close";
      close.textContent = "Close";
      close.addEventListener("click", function () { done(undefined); });
      var inner = document.createElement("iframe");
      inner.src = src;
      inner.title = owner.context.embedding || "App";
      inner.setAttribute("sandbox", owner.iframe.getAttribute("sandbox"));
      inner.setAttribute("referrerpolicy", "no-referrer");
      d.append(close, inner);
      var child = new Frame(owner.root, inner, owner);
      child.done = done;
      frames.push(child);
    }).then(function (value) {
      frames = frames.filter(function (f) { return f.iframe.isConnected; });
      return value === undefined ? null : value;
    });
  }

  function navigate(page) {
    var target;
    if (typeof page !== "string" || page.charAt(0) !== "/" || page.charAt(1) === "/" || page.charAt(1) === "\\") {
      throw failure("invalid", "page: give a path of the product, e.g. /apps/.");
    }
    target = new URL(page, window.location.origin);
    if (target.origin !== window.location.origin) {
      throw failure("invalid", "page: only the product's own pages can be opened.");
    }
    window.location.assign(target.href);
    return null;
  }

  function reauthorize(frame) {
    var owner = frame.owner();
    if (owner.root.getAttribute("data-user-level") !== "true") {
      return Promise.reject(failure("permission_denied", "This app is authorized for the whole account: an admin reauthorizes it from its page under Installed apps."));
    }
    var name = "reauthorize-" + Math.random().toString(36).slice(2);
    var popup = window.open("about:blank", name, "popup,width=640,height=760");
    if (!popup) {
      return Promise.reject(failure("denied", "The browser blocked the pop-up: call auth.reauthorize() from a click."));
    }
    var form = document.createElement("form");
    form.method = "post";
    form.action = owner.root.getAttribute("data-reauthorize-url");
    form.target = name;
    var csrf = document.createElement("input");
    csrf.type = "hidden";
    csrf.name = "csrfmiddlewaretoken";
    csrf.value = owner.root.getAttribute("data-csrf");
    form.appendChild(csrf);
    document.body.appendChild(form);
    form.submit();
    form.remove();
    return waitClosed(popup).then(function () {
      return postJson(owner, "data-status-url");
    }).then(function (status) {
      if (!status.authorized) throw failure("denied", "The authorization was not completed.");
      return { authorized: true };
    });
  }

  function waitClosed(popup) {
    return new Promise(function (resolve) {
      var timer = setInterval(function () {
        if (popup.closed) { clearInterval(timer); resolve(); }
      }, 400);
    });
  }

  // api.request: the App API as the current user, with the user's own token for this
  // installation (the server checks the grant and the user's rights on every call).
  var API_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];

  function apiRequest(frame, p) {
    var method = String(p.method || "GET").toUpperCase();
    if (API_METHODS.indexOf(method) < 0) {
      return Promise.reject(failure("invalid", "method: use one of " + API_METHODS.join(", ") + "."));
    }
    var path = String(p.path || "").replace(/^\/+/, "").replace(/^api\/v1\//, "");
    if (!path || /(^|\/)\.\.?(\/|$)/.test(path) || /[\\#]|%2e/i.test(path) || /^[a-z]+:/i.test(path)) {
      return Promise.reject(failure("invalid", "path: give an App API path such as crm/account/."));
    }
    var owner = frame.owner();
    var fresh = owner.tokens && owner.tokens.until > Date.now() ? Promise.resolve(owner.tokens)
      : postJson(owner, "data-tokens-url").then(function (t) {
        owner.tokens = { access: t.access_token, until: Date.now() + (t.expires_in - 60) * 1000 };
        return owner.tokens;
      });
    return fresh.then(function (tokens) {
      var init = { method: method, credentials: "omit", headers: { Authorization: "Bearer " + tokens.access, Accept: "application/json" } };
      if (p.body !== undefined && p.body !== null && method !== "GET") {
        init.headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(p.body);
      }
      return fetch("/api/v1/" + path, init);
    }).then(function (response) {
      return response.text().then(function (text) {
        var body = null;
        try { body = text ? JSON.parse(text) : null; } catch (e) { body = text; }
        if (!response.ok) {
          var error = (body && body.error) || {};
          var problem = failure(error.code || "http_" + response.status, error.message || "The API answered " + response.status + ".");
          throw problem;
        }
        if (method !== "GET") checkRecord(); // the app may have changed the page's record
        return { status: response.status, body: body };
      });
    });
  }

  // --- calls ----------------------------------------------------------------------------

  var METHODS = {
    init: function (frame) { return frame.owner().context; },
    context: function (frame) { return frame.owner().context; },
    launchToken: function (frame) { return postJson(frame, "data-launch-token-url"); },
    "auth.tokens": function (frame) { return postJson(frame, "data-tokens-url"); },
    "auth.reauthorize": function (frame) { return reauthorize(frame); },
    "settings.app": function (frame) { return postJson(frame, "data-app-settings-url"); },
    "settings.user": function (frame) { return postJson(frame, "data-user-settings-url"); },
    "settings.setUser": function (frame, p) {
      return postJson(frame, "data-user-settings-url", { values: p.values });
    },
    "api.request": function (frame, p) { return apiRequest(frame, p); },
    "ui.notify": function (frame, p) {
      if (typeof p.text !== "string" || !p.text) throw failure("invalid", "text: give the text to show.");
      notify(p.text.slice(0, 500), p.level);
      return null;
    },
    "ui.alert": function (frame, p) {
      return textDialog(frame.owner().context.embedding || "App", String(p.text || ""), [
        { label: "OK", value: true, primary: true },
      ]).then(function () { return null; });
    },
    "ui.confirm": function (frame, p) {
      return textDialog(frame.owner().context.embedding || "App", String(p.text || ""), [
        { label: "Cancel", value: false },
        { label: "OK", value: true, primary: true },
      ]).then(function (value) { return value === true; });
    },
    "ui.modal": function (frame, p) { return framedDialog(frame, p.url, false); },
    "ui.sidePanel": function (frame, p) { return framedDialog(frame, p.url, true); },
    "ui.close": function (frame, p) {
      if (frame.done) frame.done(p.value === undefined ? null : p.value);
      return null;
    },
    "ui.navigate": function (frame, p) { return navigate(p.page); },
    "ui.resize": function (frame, p) {
      var height = Number(p.height);
      if (!isFinite(height) || height <= 0) throw failure("invalid", "height: give a number of pixels.");
      frame.iframe.style.height = Math.round(Math.min(Math.max(height, 80), 4000)) + "px";
      return null;
    },
  };

  window.addEventListener("message", function (event) {
    var frame = frames.find(function (f) { return f.iframe.contentWindow === event.source; });
    // Only the frame's own window, from its app's origin: anything else is ignored.
    if (!frame || event.origin !== frame.origin) return;
    var message = event.data;
    if (!message || message.marketplace !== "sdk" || typeof message.method !== "string") return;
    var id = message.id;
    if (!frame.counted()) {
      frame.post({ id: id, ok: false, error: { code: "rate_limited", message: "Too many calls from this frame: wait a moment and retry." } });
      return;
    }
    if (message.method === "init") markReady(frame);
    var method = Object.prototype.hasOwnProperty.call(METHODS, message.method) ? METHODS[message.method] : null;
    if (!method) {
      frame.post({ id: id, ok: false, error: { code: "unknown_method", message: "No call " + message.method + ": check the SDK version." } });
      return;
    }
    Promise.resolve()
      .then(function () { return method(frame, message.params || {}); })
      .then(function (result) { frame.post({ id: id, ok: true, result: result === undefined ? null : result }); })
      .catch(function (error) {
        frame.post({ id: id, ok: false, error: { code: error.code || "failed", message: error.message || "The call failed." } });
      });
  });

  function markReady(frame) {
    if (frame.ready) return;
    frame.ready = true;
    var root = frame.owner().root;
    var loading = root.querySelector("[data-embedded-loading]");
    var failed = root.querySelector("[data-embedded-failed]");
    if (loading) loading.hidden = true;
    if (failed) failed.hidden = true;
  }

  var dark = window.matchMedia("(prefers-color-scheme: dark)");
  dark.addEventListener("change", function () {
    frames.forEach(function (f) { f.post({ event: "theme.changed", data: { theme: dark.matches ? "dark" : "light" } }); });
  });

  // --- record.changed: the record the record cards sit on ---------------------------------
  // The record's page holds the revision it showed (data-revision). The bridge asks the
  // record's current revision after an App API write from a frame of the page, when the
  // tab is shown again and every 30 s while it is shown; a newer revision goes to the
  // record's card frames (and their modals) as record.changed {model, id, revision}, and
  // the page says that what it shows is out of date. An edit saved on the record's own
  // edit page reloads the record's page, and with it the cards.
  var RECORD_CHECK_MS = 30000;
  var watched = null;

  function watchRecord() {
    var region = document.querySelector("[data-record-cards][data-revision-url]");
    if (!region || !region.querySelector("iframe")) return;
    watched = {
      region: region,
      model: region.getAttribute("data-model"),
      id: Number(region.getAttribute("data-record-id")),
      revision: Number(region.getAttribute("data-revision")),
      url: region.getAttribute("data-revision-url"),
      checking: null,
      again: false,
    };
    setInterval(function () {
      if (document.visibilityState === "visible") checkRecord();
    }, RECORD_CHECK_MS);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") checkRecord();
    });
  }

  function checkRecord() {
    if (!watched) return;
    if (watched.checking) { watched.again = true; return; } // once more after this one
    watched.checking = fetch(watched.url, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (current) {
      if (current && Number(current.revision) > watched.revision) {
        watched.revision = Number(current.revision);
        recordChanged();
      }
    }).catch(function () { /* unreachable now: the next check tells */ }).then(function () {
      watched.checking = null;
      if (watched.again) { watched.again = false; checkRecord(); }
    });
  }

  function recordChanged() {
    var data = { model: watched.model, id: watched.id, revision: watched.revision };
    frames.forEach(function (f) {
      if (watched.region.contains(f.owner().root)) f.post({ event: "record.changed", data: data });
    });
    var stale = watched.region.querySelector("[data-record-stale]");
    if (stale) stale.hidden = false;
  }

  // lang.changed: the preferences page, once after the user saved another interface
  // language, tells every tab of this origin; each tab tells the open frames of that user
  // whose context has another language (and context() answers the new one from then on).
  var HOST_CHANNEL = "marketplace-host";
  var channel = typeof BroadcastChannel === "function" ? new BroadcastChannel(HOST_CHANNEL) : null;

  function langChanged(lang, user) {
    if (typeof lang !== "string" || !/^[a-z]{2}$/.test(lang)) return;
    var told = frames.filter(function (f) {
      var owner = f.owner();
      return owner.root.getAttribute("data-user") === String(user) && owner.context.lang !== lang;
    });
    told.forEach(function (f) { f.owner().context.lang = lang; });
    told.forEach(function (f) { f.post({ event: "lang.changed", data: { lang: lang } }); });
  }

  if (channel) {
    channel.addEventListener("message", function (event) {
      var m = event.data;
      if (m && m.event === "lang.changed") langChanged(m.lang, m.user);
    });
  }

  function announceLang() {
    var note = document.querySelector("[data-lang-changed]");
    if (!note) return;
    var message = { event: "lang.changed", lang: note.getAttribute("data-lang-changed"), user: note.getAttribute("data-user") };
    if (channel) channel.postMessage(message);
    langChanged(message.lang, message.user);
  }

  function authorizeButton(root) {
    var button = root.querySelector("[data-authorize-button]");
    if (!button) return;
    button.addEventListener("click", function (event) {
      var popup = window.open(button.href, "authorize-" + root.getAttribute("data-embedded"), "popup,width=640,height=760");
      if (!popup) return; // blocked: the link opens a tab instead
      event.preventDefault();
      button.textContent = "Waiting for the authorization…";
      waitClosed(popup).then(function () {
        return fetch(root.getAttribute("data-status-url"), {
          method: "POST",
          credentials: "same-origin",
          headers: { "X-CSRFToken": root.getAttribute("data-csrf") },
        });
      }).then(function (response) { return response.json(); }).then(function (status) {
        if (status.authorized) {
          window.location.reload();
        } else {
          button.textContent = "Authorize";
        }
      });
    });
  }

  // The sidebar's Your apps section (console:embedding:menu), loaded after the page.
  function loadMenu() {
    var slot = document.querySelector("[data-app-menu]");
    if (!slot) return;
    fetch(slot.getAttribute("data-app-menu"), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html; // our own server's template
        slot.replaceWith.apply(slot, Array.prototype.slice.call(holder.childNodes));
      })
      .catch(function () { slot.remove(); });
  }

  function start() {
    loadMenu();
    document.querySelectorAll("[data-embedded]").forEach(function (root) {
      var iframe = root.querySelector("iframe");
      if (!iframe) { authorizeButton(root); return; }
      var frame = new Frame(root, iframe);
      frames.push(frame);
      setTimeout(function () {
        if (frame.ready) return;
        var loading = root.querySelector("[data-embedded-loading]");
        var failed = root.querySelector("[data-embedded-failed]");
        if (loading) loading.hidden = true;
        if (failed) failed.hidden = false;
      }, ANSWER_WITHIN_MS);
    });
    watchRecord();
    announceLang();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
