/*
 * The progress bar of a running round: asks the server how far the preview job has got and
 * reloads the page when it is done. Without scripts the page's "Check progress" link does
 * the same by hand. The stage line is a polite live region, changed only when the stage does.
 */
(function () {
  "use strict";

  var box = document.getElementById("round-progress");
  if (!box || !window.fetch) {
    return;
  }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("progress-bar");
  var percent = document.getElementById("progress-percent");
  var text = document.getElementById("progress-text");
  var delay = 1500;
  var longest = 30000;

  function show(state) {
    bar.value = state.percent;
    bar.textContent = state.percent + "%";
    percent.textContent = state.percent + "%";
    var line = "The preview is running. Stage: " + (state.stage.replace(/_/g, " ") || "queued") + ".";
    if (text.textContent !== line) {
      text.textContent = line;
    }
  }

  function poll() {
    fetch(url, {credentials: "same-origin", cache: "no-store", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (state) {
        if (state.status !== "running" || state.stalled) {
          window.location.reload();
          return;
        }
        show(state);
        delay = 1500;
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        // A network hiccup or a signed-out session: back off, and keep the link working.
        delay = Math.min(delay * 2, longest);
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
}());
