/*!
 * Marketplace JS SDK 1.0.0 — for pages of apps embedded in the product.
 * Include it with a script tag; no build step. Reference: docs/sdk.md.
 *
 *   <script src="https://<marketplace>/static/sdk/marketplace-sdk-1.0.0.js"></script>
 *   const context = await MarketplaceSDK.init({ hostOrigin: "https://<marketplace>" });
 *
 * The SDK talks to the host page with postMessage: it sends only to the host's origin and
 * accepts answers only from its parent window at that origin. Every call returns a
 * Promise; a failure rejects with an MarketplaceSDK.SdkError carrying `code` and
 * `message`.
 */
(function (global) {
  "use strict";

  var VERSION = "1.0.0";
  var PROTOCOL = 1;
  var CALL_TIMEOUT_MS = 25000;
  var INIT_TIMEOUT_MS = 10000;

  function SdkError(code, message) {
    var error = new Error(message);
    error.name = "SdkError";
    error.code = code;
    Object.setPrototypeOf(error, SdkError.prototype);
    return error;
  }
  SdkError.prototype = Object.create(Error.prototype);
  SdkError.prototype.constructor = SdkError;

  var state = {
    hostOrigin: null,
    ready: null,
    context: null,
    next: 1,
    pending: {},
    handlers: {},
  };

  function fromUrl(name) {
    try {
      return new URLSearchParams(global.location.search).get(name);
    } catch (e) {
      return null;
    }
  }

  function normalOrigin(value) {
    try {
      var url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:" ? url.origin : null;
    } catch (e) {
      return null;
    }
  }

  global.addEventListener("message", function (event) {
    // Only the parent window, from the host's origin: anything else is ignored.
    if (!state.hostOrigin || event.source !== global.parent || event.origin !== state.hostOrigin) {
      return;
    }
    var message = event.data;
    if (!message || message.marketplace !== "host") return;
    if (message.event) {
      (state.handlers[message.event] || []).slice().forEach(function (handler) {
        try {
          handler(message.data);
        } catch (e) {
          setTimeout(function () { throw e; });
        }
      });
      return;
    }
    var waiting = state.pending[message.id];
    if (!waiting) return;
    delete state.pending[message.id];
    clearTimeout(waiting.timer);
    if (message.ok) {
      waiting.resolve(message.result);
    } else {
      var error = message.error || {};
      waiting.reject(SdkError(error.code || "failed", error.message || "The call failed."));
    }
  });

  function send(method, params, timeout) {
    return new Promise(function (resolve, reject) {
      if (global.parent === global) {
        reject(SdkError("not_embedded", "This page is not shown inside the product: open it from the product's menu."));
        return;
      }
      var id = state.next++;
      state.pending[id] = {
        resolve: resolve,
        reject: reject,
        timer: setTimeout(function () {
          delete state.pending[id];
          reject(SdkError("timeout", "The host did not answer " + method + " in time: retry, or reload the page."));
        }, timeout || CALL_TIMEOUT_MS),
      };
      global.parent.postMessage(
        { marketplace: "sdk", protocol: PROTOCOL, sdk: VERSION, id: id, method: method, params: params || {} },
        state.hostOrigin
      );
    });
  }

  function call(method, params) {
    if (!state.ready) {
      return Promise.reject(SdkError("not_initialized", "Call MarketplaceSDK.init() first and wait for it."));
    }
    return state.ready.then(function () { return send(method, params); });
  }

  function init(options) {
    if (state.ready) return state.ready;
    options = options || {};
    var origin = normalOrigin(options.hostOrigin || fromUrl("host_origin") || "");
    if (!origin) {
      return Promise.reject(SdkError("invalid", "hostOrigin: give the marketplace's origin, e.g. https://marketplace.example.com."));
    }
    // Where the browser tells who frames the page, it must be the host named.
    var ancestors = global.location.ancestorOrigins;
    if (ancestors && ancestors.length && ancestors[0] !== origin) {
      return Promise.reject(SdkError("wrong_host", "This page is framed by " + ancestors[0] + ", not by " + origin + "."));
    }
    state.hostOrigin = origin;
    var started = send("init", { version: VERSION }, options.timeout || INIT_TIMEOUT_MS).then(function (context) {
      state.context = context;
      return context;
    });
    state.ready = started;
    started.catch(function () { state.ready = null; state.hostOrigin = null; });
    return started;
  }

  function text(value, name) {
    if (typeof value !== "string" || !value) {
      return Promise.reject(SdkError("invalid", name + ": give a non-empty string."));
    }
    return null;
  }

  var SDK = {
    version: VERSION,
    SdkError: SdkError,
    init: init,
    context: function () { return call("context"); },
    launchToken: function () { return call("launchToken"); },
    auth: {
      tokens: function () { return call("auth.tokens"); },
      reauthorize: function () { return call("auth.reauthorize"); },
    },
    settings: {
      app: function () { return call("settings.app"); },
      user: function () { return call("settings.user"); },
      setUser: function (values) {
        if (!values || typeof values !== "object") {
          return Promise.reject(SdkError("invalid", "values: give an object of key: value."));
        }
        return call("settings.setUser", { values: values });
      },
    },
    api: {
      request: function (method, path, body) {
        return text(path, "path") || call("api.request", { method: method, path: path, body: body });
      },
    },
    ui: {
      notify: function (message, level) {
        return text(message, "text") || call("ui.notify", { text: message, level: level || "info" });
      },
      alert: function (message) { return text(message, "text") || call("ui.alert", { text: message }); },
      confirm: function (message) { return text(message, "text") || call("ui.confirm", { text: message }); },
      modal: function (url) { return text(url, "url") || call("ui.modal", { url: url }); },
      sidePanel: function (url) { return text(url, "url") || call("ui.sidePanel", { url: url }); },
      close: function (value) { return call("ui.close", { value: value === undefined ? null : value }); },
      navigate: function (page) { return text(page, "page") || call("ui.navigate", { page: page }); },
      resize: function (height) { return call("ui.resize", { height: height }); },
    },
    on: function (event, handler) {
      if (typeof handler !== "function") throw SdkError("invalid", "handler: give a function.");
      (state.handlers[event] = state.handlers[event] || []).push(handler);
      return function off() {
        state.handlers[event] = (state.handlers[event] || []).filter(function (h) { return h !== handler; });
      };
    },
  };

  global.MarketplaceSDK = SDK;
})(window);
