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
    if (!action) return; // forms of one fixed action
    var req = f.querySelector("select[name=requirement]");
    function sync() { if (req) req.hidden = action.value !== "allocate"; }
    action.addEventListener("change", sync);
    sync();
    f.addEventListener("submit", function (e) {
      if (action.value === "withdraw" && !window.confirm(f.dataset.confirmWithdraw)) e.preventDefault();
    });
  });
  // The map: choosing a hub or a link shows its load beside the map.
  var info = document.getElementById("map-info");
  if (info) {
    var chosen = null;
    document.querySelectorAll("svg.map [data-panel]").forEach(function (el) {
      function show() {
        if (chosen) chosen.classList.remove("selected");
        chosen = el;
        el.classList.add("selected");
        info.textContent = el.dataset.panel;
        info.classList.remove("muted");
      }
      el.addEventListener("click", show);
      el.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); show(); } });
    });
  }
  // Show that a submission is under way and prevent double submits.
  document.querySelectorAll("form[method=post]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (e.defaultPrevented) return;
      var b = f.querySelector("button");
      if (b) { b.disabled = true; b.dataset.label = b.textContent; b.textContent = f.dataset.busy || "Working…"; }
    });
  });
});
