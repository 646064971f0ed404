// Quick entry: find the resident as the coordinator types (progressive; the Find button works without it).
(function () {
  "use strict";
  var search = document.getElementById("resident-search");
  var input = document.getElementById("resident-q");
  var list = document.getElementById("resident-results");
  var status = document.getElementById("resident-status");
  var hidden = document.getElementById("resident_id");
  var chosenText = document.getElementById("chosen-text");
  if (!search || !input || !list || !hidden) { return; }
  var url = search.getAttribute("data-json") || (search.action.replace(/\/new.*$/, "/residents.json"));
  var timer = null;
  var seq = 0;

  function text(tag, value, cls) {
    var el = document.createElement(tag);
    el.textContent = value;
    if (cls) { el.className = cls; }
    return el;
  }

  function choose(r) {
    hidden.value = String(r.id);
    chosenText.textContent = "";
    chosenText.appendChild(document.createTextNode("For "));
    chosenText.appendChild(text("strong", r.name));
    var extra = ", " + r.address + " " + r.postcode + ", " + (r.phone || "no phone");
    if (r.mobility !== "none") { extra += " · " + r.mobility; }
    if (r.needs_escort) { extra += " · needs an escort"; }
    if (!r.located) { extra += " · no located address: add their postcode first"; }
    chosenText.appendChild(document.createTextNode(extra));
    list.textContent = "";
    status.textContent = r.name + " chosen.";
    var day = document.getElementById("day");
    if (day) { day.focus(); }
  }

  function show(results) {
    list.textContent = "";
    results.forEach(function (r) {
      var li = document.createElement("li");
      var b = text("button", "Choose", "choose");
      b.type = "button";
      b.setAttribute("aria-label", "Choose " + r.name + ", " + r.postcode);
      b.addEventListener("click", function () { choose(r); });
      li.appendChild(b);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(text("strong", r.name));
      li.appendChild(document.createTextNode(" · " + r.address + " " + r.postcode + " · " + (r.phone || "no phone")));
      list.appendChild(li);
    });
    status.textContent = results.length ? results.length + " found." : "No resident matches.";
  }

  function lookup() {
    var q = input.value.trim();
    if (q.length < 2) { list.textContent = ""; status.textContent = ""; return; }
    var mine = ++seq;
    fetch(url + "?q=" + encodeURIComponent(q), { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (res) { return res.ok ? res.json() : { results: [] }; })
      .then(function (data) { if (mine === seq) { show(data.results); } })
      .catch(function () { status.textContent = "Search failed; press Find."; });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(lookup, 150);
  });
  search.addEventListener("submit", function (ev) {
    // Enter picks the only (or first) match without leaving the page.
    var first = list.querySelector("button.choose");
    if (first) { ev.preventDefault(); first.click(); }
  });
})();
