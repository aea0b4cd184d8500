// Search as you type: every input with data-kg-search asks /search.json and lists the names.
// Strings go into the page with textContent only. Without JavaScript the forms still work.
(function () {
  "use strict";
  function attach(input) {
    var target = input.dataset.kgResults ? document.getElementById(input.dataset.kgResults) : null;
    var list = target;
    if (!list) {
      list = document.createElement("ul");
      list.className = "suggest";
      list.hidden = true;
      input.parentNode.appendChild(list);
    }
    var timer = null, seq = 0;
    function show(hits, q) {
      while (list.firstChild) list.removeChild(list.firstChild);
      hits.forEach(function (h) {
        var li = document.createElement("li"), a = document.createElement("a"), s = document.createElement("small");
        a.href = "/entity/" + encodeURIComponent(h.id);
        a.textContent = h.label;
        s.textContent = " " + h.types.join(", ");
        li.appendChild(a); li.appendChild(s); list.appendChild(li);
      });
      if (target && q && !hits.length) {
        var li = document.createElement("li"); li.className = "none";
        li.textContent = "No name matches \u201c" + q + "\u201d."; list.appendChild(li);
      }
      if (!target) list.hidden = !hits.length;
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim(), mine = ++seq;
      if (!q) { show([], ""); return; }
      timer = setTimeout(function () {
        fetch("/search.json?q=" + encodeURIComponent(q) + "&limit=10", { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { hits: [] }; })
          .then(function (data) { if (mine === seq) show(data.hits || [], q); })
          .catch(function () {});
      }, 120);
    });
    input.addEventListener("blur", function () { if (!target) setTimeout(function () { list.hidden = true; }, 200); });
  }
  document.querySelectorAll("input[data-kg-search]").forEach(attach);
})();

// On a source page, the quote a link opened (#st-..., #at-..., #m-...) is outlined whole: the marks
// after its anchor, as far as its length goes. Without JavaScript its first part is (CSS :target).
(function () {
  "use strict";
  function outline() {
    document.querySelectorAll("mark.here").forEach(function (m) { m.classList.remove("here"); });
    var id = decodeURIComponent(window.location.hash.slice(1));
    var a = id && document.getElementById(id);
    if (!a || !a.classList.contains("anchor")) return;
    var left = parseInt(a.dataset.len || "0", 10), n = a.nextSibling, first = null;
    while (n && left > 0) {
      if (n.nodeType === 1 && n.tagName === "MARK") { n.classList.add("here"); first = first || n; }
      if (n.nodeType === 1 && n.classList.contains("anchor")) { n = n.nextSibling; continue; }
      left -= (n.textContent || "").length;
      n = n.nextSibling;
    }
    if (first) first.scrollIntoView({ block: "center" });
  }
  window.addEventListener("hashchange", outline);
  outline();
})();
