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
    setupToc();
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
    window.requestAnimationFrame(function () {
      window.scrollTo(0, window.scrollY + el.getBoundingClientRect().top - saved.offset);
    });
  }

  /* Notes: open the note's text in place, right after its reference. */
  function setupNotes() {
    document.addEventListener("click", function (e) {
      var ref = e.target.closest && e.target.closest("a.noteref");
      if (ref) { e.preventDefault(); toggleNote(ref); return; }
      if (!(e.target.closest && e.target.closest(".note-pop"))) closeNotes(null);
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape") {
        var open = document.querySelector("a.noteref[aria-expanded='true']");
        if (open) { closeNotes(null); open.focus(); }
        closeToc();
      }
    });
  }

  function closeNotes(except) {
    var open = document.querySelectorAll("a.noteref[aria-expanded='true']");
    for (var i = 0; i < open.length; i++) {
      if (open[i] === except) continue;
      var pop = document.getElementById(open[i].getAttribute("aria-controls"));
      if (pop) pop.parentNode.removeChild(pop);
      open[i].setAttribute("aria-expanded", "false");
      open[i].removeAttribute("aria-controls");
    }
  }

  function toggleNote(ref) {
    if (ref.getAttribute("aria-expanded") === "true") { closeNotes(null); return; }
    closeNotes(null);
    var note = document.getElementById(ref.getAttribute("href").slice(1));
    if (!note) return;
    var pop = document.createElement("span");
    pop.className = "note-pop";
    pop.id = "pop-" + ref.id;
    pop.setAttribute("role", "note");
    var num = document.createElement("span");
    num.className = "note-pop-num";
    num.textContent = ref.textContent;
    pop.appendChild(num);
    var body = note.querySelector(".note-body");
    var copy = body.cloneNode(true);
    var ids = copy.querySelectorAll("[id]");
    for (var i = 0; i < ids.length; i++) ids[i].removeAttribute("id");
    while (copy.firstChild) {
      var node = copy.firstChild;
      if (node.nodeName === "P") { var s = document.createElement("span"); s.style.display = "block"; while (node.firstChild) s.appendChild(node.firstChild); copy.removeChild(node); pop.appendChild(s); }
      else pop.appendChild(node);
    }
    ref.parentNode.insertBefore(pop, ref.nextSibling);
    ref.setAttribute("aria-expanded", "true");
    ref.setAttribute("aria-controls", pop.id);
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
