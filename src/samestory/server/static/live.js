// New versions appear without a reload: poll the store's change counter and, when it
// moves, fetch this page again and swap its #live part. What the swaps brought since the
// page was opened is marked (elements with data-live-key: new keys "new", a changed
// data-live-sig "updated") and counted in the notice, so a reader following a story sees
// which versions arrived. A
// story merged into another redirects there: the address follows. No framework, no
// build step.
(function () {
  "use strict";
  var body = document.body;
  var live = document.getElementById("live");
  var version = body.getAttribute("data-version");
  if (!live || !version) { return; }
  var notice = document.getElementById("notice");
  // Milliseconds between two polls: the server's page_poll (serve --page-poll), 2 s.
  var every = Number(body.getAttribute("data-poll-ms")) || 2000;
  var busy = false;
  // What the swaps brought since this page was opened: the marks and the notice add up
  // over every swap (a notice of the last swap alone disagreed with the marks).
  var arrived = {};  // key -> "new" | "updated"
  var gone = {};     // keys shown once and no longer on the page
  function keys(root) {
    var out = {};
    Array.prototype.forEach.call(root.querySelectorAll("[data-live-key]"), function (el) {
      out[el.getAttribute("data-live-key")] = el.getAttribute("data-live-sig") || "";
    });
    return out;
  }
  function compare(before, after) {
    Object.keys(after).forEach(function (key) {
      delete gone[key];
      if (!(key in before)) { arrived[key] = "new"; }
      else if (before[key] !== after[key]) { arrived[key] = arrived[key] || "updated"; }
    });
    Object.keys(before).forEach(function (key) { if (!(key in after)) { gone[key] = true; } });
    var counts = { added: 0, updated: 0, gone: Object.keys(gone).length };
    Object.keys(arrived).forEach(function (key) {
      if (key in after) { counts[arrived[key] === "new" ? "added" : "updated"] += 1; }
    });
    return counts;
  }
  function mark(root) {
    Object.keys(arrived).forEach(function (key) {
      var el = root.querySelector('[data-live-key="' + CSS.escape(key) + '"]');
      if (!el) { return; }
      el.classList.add("arrived");
      var badge = document.createElement("span");
      badge.className = "arrived-badge " + arrived[key];
      badge.textContent = arrived[key];
      (el.querySelector("[data-live-badge]") || el).prepend(badge);
    });
  }
  function words(counts, root) {
    var one = root.getAttribute("data-live-noun") || "item";
    var many = root.getAttribute("data-live-nouns") || one + "s";
    var parts = [];
    if (counts.added) { parts.push(counts.added + " new " + (counts.added === 1 ? one : many)); }
    if (counts.updated) { parts.push(counts.updated + " with new versions"); }
    // A listing page drops rows off its end as others arrive: only a story says "gone".
    if (counts.gone && root.hasAttribute("data-live-gone")) { parts.push(counts.gone + " " + (counts.gone === 1 ? one : many) + " no longer here"); }
    return parts.length ? "Updated: " + parts.join(", ") + " (marked)." : "Updated.";
  }
  function swap(fresh) {
    // Keep open evidence panels open across the swap.
    var open = Array.prototype.map.call(
      live.querySelectorAll("details[open]"), function (d) { return d.parentNode.getAttribute("data-article"); });
    var counts = compare(keys(live), keys(fresh));
    live.replaceWith(fresh);
    live = fresh;
    open.forEach(function (id) {
      var node = live.querySelector('[data-article="' + CSS.escape(id || "") + '"] > details');
      if (node) { node.open = true; }
    });
    mark(live);
    notice.textContent = words(counts, live);
    notice.hidden = false;
  }
  function refresh(next) {
    fetch(window.location.href, { headers: { "Accept": "text/html" } })
      .then(function (r) {
        if (r.status === 404) {
          // Said once; polled again only when the store changes again.
          notice.textContent = "This story is no longer in the store.";
          notice.hidden = false;
          version = next;
        }
        if (!r.ok) { return Promise.reject(r.status); }
        // Merged into another story: go on following that one.
        if (r.redirected) { window.history.replaceState(null, "", r.url); }
        return r.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("live");
        if (fresh) { swap(fresh); }
        version = next;
        body.setAttribute("data-version", next);
      })
      .catch(function () {})
      .then(function () { busy = false; });
  }
  // A server that stops answering (stopped, restarted, the network gone) left the page
  // as it was, silently: a reader took it for a quiet story. Two failed polls in a row
  // say so until one answers again.
  var lost = document.createElement("div");
  lost.id = "connection";
  lost.className = "notice lost";
  lost.hidden = true;
  notice.after(lost);
  var failed = 0;
  var answered = new Date();
  function unanswered() {
    failed += 1;
    if (failed < 2) { return; }
    lost.textContent = "No answer from the server since " + answered.toLocaleTimeString() +
      ": this page is not being updated (trying again every " + every / 1000 + " s).";
    lost.hidden = false;
  }
  function poll() {
    if (busy || document.hidden) { return; }
    fetch("/api/changes", { headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        failed = 0;
        answered = new Date();
        lost.hidden = true;
        var next = String(data.version);
        if (next !== version) { busy = true; refresh(next); }
      })
      .catch(unanswered);
  }
  window.setInterval(poll, every);
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
