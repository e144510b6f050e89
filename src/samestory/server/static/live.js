// New versions appear without a reload: poll the store's change counter and, when it
// moves, fetch this page again and swap its #live part. No framework, no build step.
(function () {
  "use strict";
  var body = document.body;
  var live = document.getElementById("live");
  var version = body.getAttribute("data-version");
  if (!live || !version) { return; }
  var notice = document.getElementById("notice");
  var busy = false;
  function refresh(next) {
    fetch(window.location.href, { headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("live");
        if (fresh) {
          // Keep open evidence panels open across the swap.
          var open = Array.prototype.map.call(
            live.querySelectorAll("details[open]"), function (d) { return d.parentNode.getAttribute("data-article"); });
          live.replaceWith(fresh);
          live = fresh;
          open.forEach(function (id) {
            var node = live.querySelector('[data-article="' + CSS.escape(id || "") + '"] > details');
            if (node) { node.open = true; }
          });
          notice.textContent = "Updated: new versions arrived.";
          notice.hidden = false;
        }
        version = next;
        body.setAttribute("data-version", next);
      })
      .catch(function () {})
      .then(function () { busy = false; });
  }
  function poll() {
    if (busy || document.hidden) { return; }
    fetch("/api/changes", { headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var next = String(data.version);
        if (next !== version) { busy = true; refresh(next); }
      })
      .catch(function () {});
  }
  window.setInterval(poll, 2000);
})();

// "show all K relations": fetch the page that lists them all and swap its relations
// section in, without leaving the page (the server reads the story from its cache). The
// address becomes that page's, so a live refresh keeps them all. Without JavaScript the
// link opens that page.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-show-all]") : null;
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    var section = link.closest("section");
    if (!section || !section.id) { return; }
    event.preventDefault();
    link.textContent = "loading…";
    fetch(link.href, { headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById(section.id);
        if (!fresh) { return Promise.reject("no section"); }
        section.replaceWith(fresh);
        window.history.replaceState(null, "", link.href);
      })
      .catch(function () { window.location.href = link.href; });
  });
})();
