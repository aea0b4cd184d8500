// The query editor: YASGUI (vendored, served from this package) against this server's /sparql.
// Its configuration comes from the page's JSON block; the query is kept in the page URL
// (?query=...), so the address bar is always a link to the query shown.
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("kg-query").textContent);
  var Y = window.Yasgui;
  if (!Y) return;
  // No autocompleter that asks a service elsewhere (class/property look up terms on the web).
  Y.Yasqe.defaults.autocompleters = ["prefixes", "variables"];
  var yasgui = new Y(document.getElementById("yasgui"), {
    requestConfig: { endpoint: cfg.endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: cfg.endpoint }]; } },
    persistenceId: null,
    populateFromUrl: false,
    yasqe: { value: cfg.query, autocompleters: ["prefixes", "variables"] },
    yasr: { prefixes: cfg.prefixes, defaultPlugin: "table" }
  });
  var tab = yasgui.getTab();
  var yasqe = tab.getYasqe();
  if (yasqe.getValue() !== cfg.query) yasqe.setValue(cfg.query);
  function remember() {
    var url = new URL(window.location.href);
    url.search = "";
    url.searchParams.set("query", yasqe.getValue());
    window.history.replaceState(null, "", url.toString());
  }
  yasqe.on("query", remember);
  document.querySelectorAll("a[data-kg-example]").forEach(function (a) {
    a.addEventListener("click", function (ev) {
      var q = cfg.examples[a.dataset.kgExample];
      if (q === undefined) return;
      ev.preventDefault();
      yasqe.setValue(q);
      remember();
    });
  });
  document.body.dataset.kgEditor = "ready";
  if (cfg.run) yasqe.query();
})();
