/*
 * A tiny test runner for the SDK's tests in the browser: no build step, no dependency.
 *
 *   test("name", async function () { ... });   // registered in order, run one by one
 *   run();                                      // runs them and shows the results
 *
 * Results go in the page: <ol id="results"> with one <li class="pass|fail"
 * data-test="name"> per test (a failure with its message), and <p id="summary"
 * data-state="done" data-passed="N" data-failed="M">; also window.sdkTestResults.
 * A test fails when it throws or rejects, or does not finish within 10 s.
 */
(function (global) {
  "use strict";

  var tests = [];
  var TEST_TIMEOUT_MS = 10000;

  function test(name, fn) { tests.push({ name: name, fn: fn }); }

  function show(value) {
    try { return JSON.stringify(value); } catch (e) { return String(value); }
  }

  var assert = {
    ok: function (value, what) {
      if (!value) throw new Error(what || "expected a true value, got " + show(value));
    },
    equal: function (actual, expected, what) {
      if (show(actual) !== show(expected)) {
        throw new Error((what ? what + ": " : "") + "expected " + show(expected) + ", got " + show(actual));
      }
    },
    // The promise must reject with an SdkError of `code`; resolves with the error.
    rejects: function (promise, code, what) {
      return Promise.resolve(promise).then(function (value) {
        throw new Error((what ? what + ": " : "") + "expected a rejection " + code + ", resolved with " + show(value));
      }, function (error) {
        if (!error || error.code !== code) {
          throw new Error((what ? what + ": " : "") + "expected code " + code + ", got " + show(error && error.code) + " (" + (error && error.message) + ")");
        }
        if (!error.message) throw new Error("the " + code + " rejection has no message");
        return error;
      });
    },
  };

  function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  function within(promise, ms) {
    return Promise.race([promise, sleep(ms).then(function () { throw new Error("did not finish within " + ms + " ms"); })]);
  }

  function line(list, result) {
    var item = document.createElement("li");
    item.className = result.ok ? "pass" : "fail";
    item.setAttribute("data-test", result.name);
    item.textContent = (result.ok ? "✓ " : "✗ ") + result.name + (result.ok ? "" : ": " + result.message);
    list.appendChild(item);
  }

  async function run() {
    var list = document.getElementById("results");
    var summary = document.getElementById("summary");
    var results = [];
    summary.textContent = "Running " + tests.length + " tests…";
    for (var i = 0; i < tests.length; i++) {
      var t = tests[i];
      var result = { name: t.name, ok: true, message: "" };
      try {
        await within(Promise.resolve().then(t.fn), TEST_TIMEOUT_MS);
      } catch (error) {
        result.ok = false;
        result.message = (error && error.message) || String(error);
      }
      results.push(result);
      line(list, result);
    }
    var failed = results.filter(function (r) { return !r.ok; }).length;
    global.sdkTestResults = results;
    summary.setAttribute("data-passed", String(results.length - failed));
    summary.setAttribute("data-failed", String(failed));
    summary.setAttribute("data-state", "done");
    summary.textContent = (results.length - failed) + " passed, " + failed + " failed";
    return results;
  }

  global.SdkTests = { test: test, assert: assert, sleep: sleep, run: run };
})(window);
