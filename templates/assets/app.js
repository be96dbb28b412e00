/* archive: enhancements over plain links — notes in place, section navigation, script toggle. */
(function () {
  "use strict";
  var KEY = "archive-script";
  var store = {
    get: function (k) { try { return window.localStorage.getItem(k); } catch (e) { return null; } },
    set: function (k, v) { try { window.localStorage.setItem(k, v); } catch (e) { /* private mode */ } }
  };
  var root = document.documentElement;

  /* The root page alone sends a reader to their script; deep links never redirect. */
  if (root.getAttribute("data-page") === "root") {
    var choice = store.get(KEY);
    if (choice !== "hant" && choice !== "hans") {
      choice = null;
      var langs = navigator.languages || [navigator.language || ""];
      for (var i = 0; i < langs.length && !choice; i++) {
        var l = String(langs[i]).toLowerCase();
        if (/^zh-(tw|hk|mo|hant)/.test(l)) choice = "hant";
        else if (/^zh/.test(l)) choice = "hans";
      }
    }
    if (choice) window.location.replace("zh-" + choice + "/index.html");
    document.addEventListener("click", function (e) {
      var a = e.target.closest && e.target.closest("a.root-link");
      if (a) store.set(KEY, a.getAttribute("data-script"));
    });
    return;
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupToggle();
    setupNotes();
    setupCopy();
    setupKeys();
    setupToc();
    setupSearch();
    restorePlace();
  });

  /* Script toggle: keep the fragment, remember the choice, and land at the same place. */
  function setupToggle() {
    var toggle = document.querySelector("a.script-toggle");
    if (!toggle) return;
    toggle.addEventListener("click", function () {
      store.set(KEY, toggle.getAttribute("data-script"));
      var place = currentPlace();
      var href = toggle.getAttribute("href").split("#")[0];
      var hash = window.location.hash || (place ? "#" + place.id : "");
      if (place) {
        try { sessionStorage.setItem("archive-place", JSON.stringify({ id: place.id, offset: place.offset, hash: hash })); } catch (e) {}
      }
      toggle.setAttribute("href", href + hash);
    });
  }

  function anchors() {
    return document.querySelectorAll(".section[id], .qa[id], .notes li[id], .figure[id]");
  }

  function currentPlace() {
    var best = null, list = anchors();
    for (var i = 0; i < list.length; i++) {
      var top = list[i].getBoundingClientRect().top;
      if (top <= 80) best = { id: list[i].id, offset: top };
    }
    return best;
  }

  function restorePlace() {
    var saved;
    try { saved = JSON.parse(sessionStorage.getItem("archive-place") || "null"); sessionStorage.removeItem("archive-place"); } catch (e) { saved = null; }
    if (!saved || ("#" + saved.id) !== window.location.hash && saved.hash !== window.location.hash) return;
    var el = document.getElementById(saved.id);
    if (!el) return;
    var place = function () { window.scrollTo(0, window.scrollY + el.getBoundingClientRect().top - saved.offset); };
    // the browser scrolls to the fragment itself once the page has loaded: place the reader after that
    if (document.readyState === "complete") window.requestAnimationFrame(place);
    else window.addEventListener("load", function () { window.requestAnimationFrame(place); });
  }

  /* Notes: margin notes on wide screens (pure CSS); elsewhere the reference opens its copy in place. */
  var wide = window.matchMedia("(min-width: 78em)");

  function setupNotes() {
    document.addEventListener("click", function (e) {
      var ref = e.target.closest && e.target.closest("a.noteref");
      if (ref) {
        e.preventDefault();
        if (wide.matches) { flash(ref); return; }
        toggleNote(ref);
        return;
      }
      if (!(e.target.closest && e.target.closest(".sidenote"))) closeNotes();
    });
    document.addEventListener("keydown", function (e) {
      if (e.key !== "Escape") return;
      var open = document.querySelector("a.noteref[aria-expanded='true']");
      closeNotes();
      if (open) open.focus();
      closeToc();
    });
    wide.addEventListener && wide.addEventListener("change", closeNotes);
    window.addEventListener("hashchange", markTarget);
    markTarget();
  }

  function sidenoteOf(ref) {
    var next = ref.nextElementSibling;
    return next && next.classList.contains("sidenote") ? next : null;
  }

  function closeNotes() {
    var open = document.querySelectorAll("a.noteref[aria-expanded='true']");
    for (var i = 0; i < open.length; i++) {
      var note = sidenoteOf(open[i]);
      if (note) { note.classList.remove("open"); note.setAttribute("aria-hidden", "true"); note.removeAttribute("role"); }
      open[i].setAttribute("aria-expanded", "false");
    }
  }

  function toggleNote(ref) {
    var wasOpen = ref.getAttribute("aria-expanded") === "true";
    closeNotes();
    if (wasOpen) return;
    var note = sidenoteOf(ref);
    if (!note) { window.location.hash = ref.getAttribute("href"); return; }
    note.classList.add("open");
    note.setAttribute("aria-hidden", "false");
    note.setAttribute("role", "note");
    ref.setAttribute("aria-controls", note.id);
    ref.setAttribute("aria-expanded", "true");
  }

  function flash(ref) {
    var note = sidenoteOf(ref);
    if (!note) return;
    note.classList.remove("flash");
    void note.offsetWidth;
    note.classList.add("flash");
  }

  /* Arriving at #n-label highlights the note and the references to it. */
  function markTarget() {
    var marked = document.querySelectorAll(".noteref.targeted");
    for (var i = 0; i < marked.length; i++) marked[i].classList.remove("targeted");
    var hash = window.location.hash;
    if (!/^#n-/.test(hash)) return;
    var refs = document.querySelectorAll("a.noteref[href='" + hash.replace(/'/g, "") + "']");
    for (var j = 0; j < refs.length; j++) refs[j].classList.add("targeted");
  }

  /* Sharing: copy a question's permalink. */
  function setupCopy() {
    document.addEventListener("click", function (e) {
      var button = e.target.closest && e.target.closest("button.copy-link");
      if (!button) return;
      var url = window.location.href.split("#")[0] + "#" + button.getAttribute("data-anchor");
      var done = function () {
        var label = button.textContent;
        button.textContent = button.getAttribute("data-done");
        window.setTimeout(function () { button.textContent = label; }, 1500);
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(url).then(done, function () { window.prompt("", url); });
      } else {
        window.prompt("", url);
      }
    });
  }

  /* Search: Pagefind over bigram records (see search.py). The query is converted to this
     page's script with the build's character table and cut into the same tokens. */
  var HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff";
  var HAN_ONLY = new RegExp("^[" + HAN + "]+$");
  var RUN_END = new RegExp("^[" + HAN + "]x$");
  var PIECE = new RegExp("[" + HAN + "]+|[0-9A-Za-z\u00c0-\u024f]+", "g");

  function queryTokens(part) {
    var out = [], m;
    PIECE.lastIndex = 0;
    while ((m = PIECE.exec(part))) {
      var run = m[0];
      if (HAN_ONLY.test(run) && run.length > 1) {
        for (var i = 0; i + 1 < run.length; i++) out.push(run.slice(i, i + 2));
      } else out.push(run.toLowerCase());
    }
    return out;
  }

  function rewriteQuery(query, table) {
    var converted = "";
    for (var i = 0; i < query.length; i++) converted += (table && table[query[i]]) || query[i];
    var parts = converted.trim().split(/\s+/).filter(Boolean).map(queryTokens).filter(function (t) { return t.length; });
    if (!parts.length) return "";
    if (parts.length === 1) {
      var one = parts[0];
      return one.length === 1 ? one[0] : "\"" + one.join(" ") + "\"";
    }
    return [].concat.apply([], parts).join(" ");
  }
  window.archiveRewriteQuery = rewriteQuery;

  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]; });
  }

  /* Excerpts come back as tokens ("認真 <mark>真在</mark> 在一 一x"): fold each run's bigrams
     back into its text and move the marks onto characters. */
  function foldExcerpt(excerpt) {
    var items = [], prevBigram = false;
    excerpt.split(/\s+/).forEach(function (tok) {
      if (!tok || tok.replace(/<\/?mark>/g, "") === "\u00b6") return;  /* a passage's heading (search.py) */
      var marked = /<mark>/.test(tok);
      var t = tok.replace(/<\/?mark>/g, "");
      if (RUN_END.test(t)) t = t[0];  /* a run's last character, marked "x" in the index (search.py) */
      var last = items[items.length - 1];
      if (HAN_ONLY.test(t) && t.length <= 2) {
        if (prevBigram && last && last.han && last.text === t[0]) {
          if (marked) last.mark = true;
          if (t.length === 2) items.push({ text: t[1], mark: marked, han: true });
          prevBigram = t.length === 2;
          return;
        }
        for (var i = 0; i < t.length; i++) items.push({ text: t[i], mark: marked, han: true });
        prevBigram = t.length === 2;
        return;
      }
      items.push({ text: t, mark: marked, han: false });
      prevBigram = false;
    });
    var html = "", open = false;
    items.forEach(function (item, i) {
      var prev = items[i - 1];
      if (prev && !prev.han && !item.han) html += " ";
      if (item.mark && !open) { html += "<mark>"; open = true; }
      if (!item.mark && open) { html += "</mark>"; open = false; }
      html += item.text;  /* already escaped by Pagefind */
    });
    return open ? html + "</mark>" : html;
  }
  window.archiveFoldExcerpt = foldExcerpt;

  /* One script's search: Pagefind's script, which starts on the first shard (kept in the bundle's own
     folder), every other shard named in search.json merged into it, and the character table (search.py).
     Pagefind reads <html lang> when it starts and would cut a Chinese query into words with
     Intl.Segmenter; the index is declared "en" (see search.py), so it starts as "en". Both calls start
     synchronously, so the page never renders with the other lang. */
  function openSearch(bundle) {
    var base = new URL(bundle, document.baseURI);
    var listing = fetch(new URL("search.json", base).href).then(function (r) {
      if (!r.ok) throw new Error("search.json: " + r.status);
      return r.json();
    });
    return import(new URL("pagefind.js", base).href).then(function (pf) {
      var lang = root.getAttribute("lang"), started;
      root.setAttribute("lang", "en");
      try { started = Promise.all([pf.options({ excerptLength: 48 }), pf.init()]); }
      finally { root.setAttribute("lang", lang); }
      var merged = listing.then(function (list) {
        return Promise.all((list.shards || []).map(function (folder) {
          /* a path, not a URL: Pagefind's worker fetches it, and its results' links stay site paths */
          return pf.mergeIndex(new URL(folder, base).pathname, { language: "en", excerptLength: 48 });
        }));
      });
      return Promise.all([started, merged, listing]).then(function (got) {
        var table = {}, from = Array.from(got[2].from || ""), to = Array.from(got[2].to || "");
        for (var i = 0; i < from.length && i < to.length; i++) table[from[i]] = to[i];
        return { pagefind: pf, table: table };
      });
    });
  }
  window.archiveOpenSearch = openSearch;

  function setupSearch() {
    var form = document.querySelector("form.search");
    if (!form) return;
    var input = form.querySelector("input[type=search]");
    var box = form.querySelector(".search-results");
    var bundle = form.getAttribute("data-bundle");
    var loading = null, pagefind = null, table = {}, seq = 0, timer = null;

    function load() {
      if (!loading) {
        loading = openSearch(bundle).then(function (opened) { pagefind = opened.pagefind; table = opened.table; });
      }
      return loading;
    }

    function show(html, query) {
      box.innerHTML = html; box.hidden = !html; form.classList.toggle("open", !!html);
      box.setAttribute("data-query", query || "");
    }

    function run() {
      var query = input.value;
      var mine = ++seq;
      if (!query.trim()) { show(""); return; }
      load().then(function () {
        var rewritten = rewriteQuery(query, table);
        if (!rewritten) return null;
        return pagefind.search(rewritten);
      }).then(function (found) {
        if (mine !== seq || !found) return found && found.results;
        return Promise.all(found.results.slice(0, 8).map(function (r) { return r.data(); })).then(function (data) {
          if (mine !== seq) return;
          if (!data.length) { show('<p class="search-none">' + esc(form.getAttribute("data-empty")) + "</p>", query); return; }
          var html = '<p class="search-count">' + found.results.length + " " + esc(form.getAttribute("data-count")) + '</p><ol class="search-list">';
          data.forEach(function (d) {
            var best = null;
            (d.sub_results || []).forEach(function (sub) {
              if (!best || (sub.locations || []).length > (best.locations || []).length) best = sub;
            });
            var href = (best && best.url) || d.url;  /* Pagefind resolves it against the bundle's folder */
            var excerpt = (best && best.excerpt) || d.excerpt;
            html += '<li><a class="search-hit" href="' + esc(href) + '"><span class="search-title">' + esc(d.meta.title || "") +
              '</span><span class="search-excerpt">' + foldExcerpt(excerpt) + "</span></a></li>";
          });
          show(html + "</ol>", query);
        });
      }).catch(function () {
        if (mine === seq) show('<p class="search-none">' + esc(form.getAttribute("data-error")) + "</p>");
      });
    }

    form.addEventListener("submit", function (e) { e.preventDefault(); window.clearTimeout(timer); run(); });
    input.addEventListener("input", function () { window.clearTimeout(timer); timer = window.setTimeout(run, 120); });
    input.addEventListener("focus", function () { load().catch(function () {}); if (input.value.trim() && box.innerHTML) show(box.innerHTML); });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && !box.hidden) { show(""); input.blur(); return; }
      if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
      var t = e.target;
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
      e.preventDefault();
      input.focus();
      input.select();
    });
    document.addEventListener("click", function (e) { if (!form.contains(e.target)) { box.hidden = true; form.classList.remove("open"); } });
  }

  /* Keyboard: n / p (or j / k) for the next / previous section, never with modifiers or in a field. */
  function setupKeys() {
    document.addEventListener("keydown", function (e) {
      if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented || e.isComposing) return;
      var t = e.target;
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
      var step = { n: 1, j: 1, p: -1, k: -1 }[e.key];
      if (!step) return;
      var sections = document.querySelectorAll(".section[id]");
      if (!sections.length) return;
      var current = -1;
      for (var i = 0; i < sections.length; i++) if (sections[i].getBoundingClientRect().top <= 90) current = i;
      var target = sections[Math.max(0, Math.min(sections.length - 1, current + step))];
      if (step < 0 && current >= 0 && sections[current].getBoundingClientRect().top < -10) target = sections[current];
      e.preventDefault();
      history.replaceState(null, "", "#" + target.id);
      target.scrollIntoView();
      var heading = target.querySelector("h2");
      if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus({ preventScroll: true }); }
    });
  }

  /* Section navigation: highlight the current section, a drawer on phones, progress. */
  function setupToc() {
    var toc = document.getElementById("toc");
    var button = document.querySelector(".toc-button");
    if (!toc) return;
    if (button) button.addEventListener("click", function (e) {
      e.preventDefault();
      var open = !toc.classList.contains("open");
      toc.classList.toggle("open", open);
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
    toc.addEventListener("click", function (e) { if (e.target.closest("a")) closeToc(); });
    var links = toc.querySelectorAll("a[data-section]");
    var bar = document.querySelector(".progress span");
    var ticking = false;
    function update() {
      ticking = false;
      var current = null;
      for (var i = 0; i < links.length; i++) {
        var s = document.getElementById(links[i].getAttribute("data-section"));
        if (s && s.getBoundingClientRect().top <= 120) current = links[i];
      }
      for (var j = 0; j < links.length; j++) {
        if (links[j] === current) links[j].setAttribute("aria-current", "true");
        else links[j].removeAttribute("aria-current");
      }
      if (bar) {
        var max = document.documentElement.scrollHeight - window.innerHeight;
        bar.style.width = (max > 0 ? Math.min(100, 100 * window.scrollY / max) : 0) + "%";
      }
    }
    window.addEventListener("scroll", function () { if (!ticking) { ticking = true; window.requestAnimationFrame(update); } }, { passive: true });
    update();
  }

  function closeToc() {
    var toc = document.getElementById("toc");
    var button = document.querySelector(".toc-button");
    if (toc && toc.classList.contains("open")) {
      toc.classList.remove("open");
      if (button) button.setAttribute("aria-expanded", "false");
    }
  }
})();
