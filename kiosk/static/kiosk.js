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

  /* Idle logout: warn before the end (a minute before, or halfway for short times), allow
     "I'm still here", then leave the learner's screen. The server ends the session anyway. */
  var idle = parseFloat(body.getAttribute("data-idle") || "0");
  var warning = document.getElementById("idle-warning");
  if (idle > 0 && warning) {
    var warnTimer, leaveTimer;
    var leave = function () {
      var form = document.querySelector("form.me");
      if (form) { form.submit(); } else { window.location.href = "/"; }
    };
    var start = function () {
      clearTimeout(warnTimer);
      clearTimeout(leaveTimer);
      warnTimer = setTimeout(function () {
        warning.hidden = false;
        warning.querySelector("button").focus();
      }, Math.max(idle - 60, idle / 2) * 1000);
      leaveTimer = setTimeout(leave, idle * 1000);
    };
    if (window.fetch && window.FormData) {
      warning.querySelector("form").addEventListener("submit", function (event) {
        event.preventDefault();
        window.fetch(event.target.action, {method: "POST", body: new FormData(event.target),
          headers: {"Accept": "application/json"}, credentials: "same-origin"}).then(function (response) {
          return response.json();             /* a page instead of {"ok": true}: the session is over */
        }).then(function (answer) {
          if (!answer.ok) { throw new Error("session over"); }
          warning.hidden = true;
          start();
        })["catch"](function () { window.location.href = "/"; });
      });
    }
    start();
  }

  /* Coming back with Back after a logout: reload, so the server decides what may be shown. */
  window.addEventListener("pageshow", function (event) { if (event.persisted) { window.location.reload(); } });
})();
