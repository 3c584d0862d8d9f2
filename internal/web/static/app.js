// Small progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", function () {
  // Ask before destructive submissions.
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.dataset.confirm)) e.preventDefault();
    });
  });
  document.querySelectorAll("form.act").forEach(function (f) {
    var action = f.querySelector("select[name=action]");
    var req = f.querySelector("select[name=requirement]");
    function sync() { if (req) req.hidden = action.value !== "allocate"; }
    action.addEventListener("change", sync);
    sync();
    f.addEventListener("submit", function (e) {
      if (action.value === "withdraw" && !window.confirm(f.dataset.confirmWithdraw)) e.preventDefault();
    });
  });
  // Show that a submission is under way and prevent double submits.
  document.querySelectorAll("form[method=post]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (e.defaultPrevented) return;
      var b = f.querySelector("button");
      if (b) { b.disabled = true; b.dataset.label = b.textContent; b.textContent = "Working…"; }
    });
  });
});
