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
