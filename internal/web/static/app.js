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
  // A block of cells copied from a spreadsheet and pasted into a lines
  // table (a pledge's lines, the requirements grid) fills its rows and
  // columns from the cell pasted into, adding rows as needed; one value
  // pastes as usual. A pasted item that is not
  // among the choices is kept as typed, for the server to say why.
  document.querySelectorAll("table.lines").forEach(function (table) {
    table.addEventListener("paste", function (e) {
      var text = (e.clipboardData || window.clipboardData).getData("text/plain");
      if (!/[\t\n]/.test(text.replace(/\r?\n$/, ""))) return;
      var cell = e.target.closest("td");
      var row = e.target.closest("tr");
      if (!cell || !row) return;
      e.preventDefault();
      var body = row.parentNode;
      var col = Array.prototype.indexOf.call(row.children, cell);
      var lines = text.replace(/\r/g, "").replace(/\n$/, "").split("\n");
      var r = row;
      lines.forEach(function (line) {
        if (!r) {
          var last = body.lastElementChild;
          r = last.cloneNode(true);
          r.querySelectorAll("input").forEach(function (i) { i.value = ""; });
          r.querySelectorAll("select").forEach(function (s) { s.selectedIndex = 0; });
          r.querySelectorAll(".field-error").forEach(function (x) { x.remove(); });
          r.firstElementChild.textContent = String(body.children.length + 1);
          body.appendChild(r);
        }
        line.split("\t").forEach(function (value, k) {
          var td = r.children[col + k];
          if (!td) return;
          var field = td.querySelector("input, select");
          if (!field) return;
          value = value.trim();
          if (field.tagName === "SELECT") {
            var found = Array.prototype.some.call(field.options, function (o) { return o.value === value; });
            if (!found && value !== "") {
              var o = document.createElement("option");
              o.value = o.textContent = value;
              field.appendChild(o);
            }
          }
          field.value = value;
        });
        r = r.nextElementSibling;
      });
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
