/* Relais: optional enhancements. Every page works without this file; old browsers simply skip it. */
(function () {
  "use strict";
  if (!document.querySelector || !window.addEventListener) { return; }
  var body = document.body;
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };
  var base = function (code) { return (code || "").toLowerCase().replace("_", "-").split("-")[0]; };

  /* Read-aloud: the browser's own voice, only when it has one for the text's language. */
  var synth = window.speechSynthesis;
  var buttons = document.querySelectorAll("[data-speak]");
  var offerVoices = function () {
    var voices = synth.getVoices();
    each(buttons, function (button) {
      var target = document.querySelector(button.getAttribute("data-speak"));
      if (!target || !button.hidden) { return; }
      var holder = target.closest ? target.closest("[lang]") : null;
      var lang = (holder || document.documentElement).getAttribute("lang");
      var voice = voices.filter(function (v) { return base(v.lang) === base(lang); })[0];
      if (!voice) { return; }
      button.hidden = false;
      var missing = button.parentNode.querySelector("[data-audio-missing]");
      if (missing) { missing.hidden = true; }     /* the browser's voice reads it: nothing is missing */
      button.addEventListener("click", function () {
        if (synth.speaking) { synth.cancel(); return; }
        var say = new window.SpeechSynthesisUtterance(target.innerText || target.textContent);
        say.lang = voice.lang;
        say.voice = voice;
        synth.speak(say);
      });
    });
  };
  if (synth && window.SpeechSynthesisUtterance && buttons.length) {
    offerVoices();
    synth.onvoiceschanged = offerVoices;      /* many browsers load their voices a moment later */
  }

  /* Idle logout: a countdown from the seconds the server says are left, a warning near the end
     (a minute before, or halfway for short times) that takes no focus, and activity (typing,
     scrolling, pointer, ticking) that tells the server, at most every `every` seconds, so that the
     page and the server end the session at the same moment. The server ends it anyway. */
  var idle = parseFloat(body.getAttribute("data-idle") || "0");
  var warning = document.getElementById("idle-warning");
  var me = body.getAttribute("data-learner");
  var store = null;
  try { store = window.sessionStorage; } catch (e) { store = null; }   /* refused: drafts are not kept */
  var DRAFT = "relais-draft:", KEEP_DRAFT = 86400000;
  var draftKey = DRAFT + me + ":" + window.location.pathname;
  var draftForm = function () { return document.querySelector("form.quiz, form[data-draft]"); };
  var saveDraft = function () {
    var form = draftForm(), fields = {}, any = false;
    if (!form || !store || !me) { return; }
    each(form.elements, function (el) {
      if (!el.name || el.type === "hidden" || el.type === "submit") { return; }
      if ((el.type === "radio" || el.type === "checkbox") ? !el.checked : !el.value) { return; }
      (fields[el.name] = fields[el.name] || []).push(el.value);
      any = true;
    });
    if (any) { store.setItem(draftKey, JSON.stringify({at: Date.now(), fields: fields})); }
  };
  var forgetDrafts = function (all) {            /* this learner's, or every old one */
    if (!store) { return; }
    for (var i = store.length - 1; i >= 0; i--) {
      var key = store.key(i);
      if (!key || key.indexOf(DRAFT) !== 0) { continue; }
      var draft = null;
      try { draft = JSON.parse(store.getItem(key)); } catch (e) { draft = null; }
      if ((all && me && key.indexOf(DRAFT + me + ":") === 0) || !draft || Date.now() - draft.at > KEEP_DRAFT) {
        store.removeItem(key);
      }
    }
  };
  var restoreDraft = function () {
    var form = draftForm(), raw = store && me ? store.getItem(draftKey) : null;
    if (!form || !raw) { return; }
    store.removeItem(draftKey);
    var fields;
    try { fields = JSON.parse(raw).fields || {}; } catch (e) { return; }
    each(form.elements, function (el) {
      var given = fields[el.name];
      if (!given || el.type === "hidden") { return; }
      if (el.type === "radio" || el.type === "checkbox") { el.checked = given.indexOf(el.value) >= 0; }
      else { el.value = given[0]; }
    });
    var notice = document.getElementById("draft-restored"), main = document.getElementById("content");
    if (notice && main) { main.insertBefore(notice, main.firstChild); notice.hidden = false; }
  };
  forgetDrafts(false);
  if (idle > 0 && warning) {
    var left = parseFloat(body.getAttribute("data-idle-left") || String(idle));
    var deadline = Date.now() + left * 1000, lastPing = Date.now(), pending = false, inFlight = false;
    var every = Math.min(30, idle / 4), warnAt = Math.min(60, idle / 2);
    var clock = document.getElementById("idle-clock"), say = document.getElementById("idle-say");
    var lastSaid = null;
    var leave = function () {
      saveDraft();
      var form = document.querySelector("form.me");
      if (form) { form.submit(); } else { window.location.href = "/"; }
    };
    var ping = function () {
      var form = warning.querySelector("form");
      if (inFlight || !window.fetch || !window.FormData) { return; }
      inFlight = true; pending = false; lastPing = Date.now();
      window.fetch(form.action, {method: "POST", body: new FormData(form),
        headers: {"Accept": "application/json"}, credentials: "same-origin"}).then(function (response) {
        return response.json();             /* a page instead of {"ok": true}: the session is over */
      }).then(function (answer) {
        if (!answer.ok) { throw new Error("session over"); }
        inFlight = false;
        deadline = Date.now() + answer.left * 1000;
        tick();
      })["catch"](function () { saveDraft(); window.location.href = "/"; });
    };
    var tick = function () {
      var remaining = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
      if (remaining <= 0) { clearInterval(timer); leave(); return; }
      if (pending && Date.now() - lastPing >= every * 1000) { ping(); }
      var warn = remaining <= warnAt;
      if (warn) {
        var text = Math.floor(remaining / 60) + ":" + ("0" + remaining % 60).slice(-2);
        clock.textContent = text;
        /* Screen readers hear the warning when it opens, then every 15 seconds and at 10: not every second. */
        if (warning.hidden || remaining % 15 === 0 || remaining === 10) {
          var words = (warning.hidden ? document.getElementById("idle-title").firstChild.textContent.trim() + " " : "") +
            clock.getAttribute("data-say") + " " + text;
          if (words !== lastSaid) { say.textContent = words; lastSaid = words; }
        }
      } else if (!warning.hidden) {
        say.textContent = ""; lastSaid = null;
      }
      warning.hidden = !warn;                 /* shown without taking focus or scrolling: typing goes on */
    };
    var activity = function () {
      pending = true;
      if (!warning.hidden || Date.now() - lastPing >= every * 1000) { ping(); }
    };
    each(["keydown", "input", "change", "pointerdown", "wheel", "touchstart"], function (type) {
      document.addEventListener(type, activity, true);
    });
    window.addEventListener("scroll", activity, {passive: true, capture: true});
    warning.querySelector("form").addEventListener("submit", function (event) {
      if (!window.fetch || !window.FormData) { return; }
      event.preventDefault();
      ping();
    });
    var logout = document.querySelector("form.me");      /* leaving on purpose: nothing is kept */
    if (logout) { logout.addEventListener("submit", function () { forgetDrafts(true); }); }
    var answers = draftForm();
    if (answers) { answers.addEventListener("submit", function () { if (store) { store.removeItem(draftKey); } }); }
    restoreDraft();
    var timer = setInterval(tick, 1000);
    tick();
  }

  /* Coming back with Back after a logout: reload, so the server decides what may be shown. */
  window.addEventListener("pageshow", function (event) { if (event.persisted) { window.location.reload(); } });
})();

/* Read-aloud, better with JavaScript. The sentence being heard is highlighted, the speed can be
   changed, and "read the next step too" goes on by itself. Without this file the <audio> player works alone.
   Timings: a made clip is espeak-ng (or Piper) at an even pace, so each sentence's share of the letters
   is its share of the time; good enough to follow the line, never used to cut the sound. */
(function () {
  "use strict";
  var audio = document.querySelector("audio[data-step-audio]");
  var more = document.querySelector("[data-listen-more]");
  if (!audio || !more || !document.createTreeWalker) { return; }
  var store = null;
  try { store = window.sessionStorage; } catch (e) { store = null; }
  var get = function (key) { return store ? store.getItem("relais-" + key) : null; };
  var put = function (key, value) { if (store) { store.setItem("relais-" + key, value); } };
  var players = document.querySelectorAll("audio");
  more.hidden = false;

  /* Speed: 0.75, 1 or 1.25, kept for this visit, for every player on the page. */
  var rates = more.querySelectorAll("[data-rate]");
  var setRate = function (rate) {
    Array.prototype.forEach.call(players, function (p) { p.playbackRate = rate; p.defaultPlaybackRate = rate; });
    Array.prototype.forEach.call(rates, function (b) {
      b.setAttribute("aria-pressed", String(parseFloat(b.getAttribute("data-rate")) === rate));
    });
    put("rate", String(rate));
  };
  Array.prototype.forEach.call(rates, function (b) {
    b.addEventListener("click", function () { setRate(parseFloat(b.getAttribute("data-rate"))); });
  });
  setRate(parseFloat(get("rate")) || 1);

  /* Sentences: each leaf block of the step's text, cut after . ! ? … ؟ into <span>s, as the clip reads it. */
  var text = document.getElementById("step-text");
  var units = [], total = 0;
  var skip = "pre, svg, button, [hidden], [aria-hidden=true], .visually-hidden, audio, video";
  var blocks = text ? text.querySelectorAll("p, li, h2, h3, h4, dt, dd, td, th, figcaption, summary") : [];
  Array.prototype.forEach.call(blocks, function (block) {
    if (block.closest(skip) || block.querySelector("p, li, ul, ol, table, div")) { return; }
    if (block.children.length) {           /* links and bold inside: the whole block is one unit */
      units.push({el: block, size: block.textContent.length});
      return;
    }
    var parts = block.textContent.match(/[^.!?…؟]+[.!?…؟]*\s*/g) || [];
    block.textContent = "";
    parts.forEach(function (part) {
      var span = document.createElement("span");
      span.textContent = part;
      block.appendChild(span);
      units.push({el: span, size: part.trim().length});
    });
  });
  units.forEach(function (u) { u.start = total; total += u.size; });
  var lit = null;
  var light = function () {
    var at = audio.duration ? (audio.currentTime / audio.duration) * total : -1;
    var now = null;
    units.forEach(function (u) { if (at >= u.start && at < u.start + u.size) { now = u.el; } });
    if (now === lit) { return; }
    if (lit) { lit.classList.remove("reading"); }
    if (now) { now.classList.add("reading"); }
    lit = now;
  };
  audio.addEventListener("timeupdate", light);
  audio.addEventListener("pause", function () { if (lit) { lit.classList.remove("reading"); lit = null; } });

  /* Read the next step too: at the end, press "Next" (which records the step), then play on arrival. */
  var on = more.querySelector("[data-read-on]");
  var next = document.querySelector(".step-nav form button[type=submit].main");
  if (on && next) {
    on.checked = get("read-on") === "1";
    on.addEventListener("change", function () { put("read-on", on.checked ? "1" : "0"); });
    audio.addEventListener("ended", function () {
      if (!on.checked) { return; }
      put("continue", "1");
      next.form.submit();
    });
  }
  if (get("continue") === "1") {
    put("continue", "0");
    var playing = audio.play();
    if (playing && playing.catch) { playing.catch(function () { /* the browser wants a press first */ }); }
  }
}());

/* The facilitator's menu starts folded on a narrow screen, so that the page itself comes first (without this
   file it stays open). */
(function () {
  "use strict";
  if (!window.matchMedia || !document.querySelectorAll || !window.matchMedia("(max-width: 40em)").matches) { return; }
  Array.prototype.forEach.call(document.querySelectorAll("details[data-fold-narrow]"), function (menu) {
    menu.open = false;
  });
})();
