/* Relais: optional enhancements. Every page works without this file. */
(function () {
  "use strict";
  var body = document.body;

  /* Read-aloud: the browser's own voice, in the page's language, where the browser has one. */
  if ("speechSynthesis" in window) {
    document.querySelectorAll("[data-speak]").forEach(function (button) {
      var target = document.querySelector(button.getAttribute("data-speak"));
      if (!target) { return; }
      var lang = (target.closest("[lang]") || document.documentElement).getAttribute("lang");
      var voices = window.speechSynthesis.getVoices();
      if (voices.length && !voices.some(function (v) { return v.lang.indexOf(lang) === 0; })) { return; }
      button.hidden = false;
      button.addEventListener("click", function () {
        if (window.speechSynthesis.speaking) { window.speechSynthesis.cancel(); return; }
        var say = new SpeechSynthesisUtterance(target.innerText);
        say.lang = lang;
        window.speechSynthesis.speak(say);
      });
    });
  }

  /* Idle logout: warn one minute before, allow "I'm still here", then leave the learner's screen. */
  var idle = parseInt(body.getAttribute("data-idle") || "0", 10);
  var warning = document.getElementById("idle-warning");
  if (idle > 0 && warning) {
    var warnTimer, leaveTimer;
    var start = function () {
      clearTimeout(warnTimer); clearTimeout(leaveTimer);
      warnTimer = setTimeout(function () {
        warning.hidden = false;
        warning.querySelector("button").focus();
      }, Math.max(idle - 60, 5) * 1000);
      leaveTimer = setTimeout(function () {
        var form = document.querySelector("form.me");
        if (form) { form.submit(); } else { window.location.href = "/"; }
      }, idle * 1000);
    };
    warning.querySelector("form").addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new FormData(event.target);
      fetch(event.target.action, {method: "POST", body: data, headers: {"Accept": "application/json"},
        credentials: "same-origin"}).then(function (response) {
        if (response.ok) { warning.hidden = true; start(); } else { window.location.href = "/"; }
      });
    });
    start();
  }

  /* Leaving a learner's page through Back after logout: reload so the server decides what to show. */
  window.addEventListener("pageshow", function (event) { if (event.persisted) { window.location.reload(); } });
})();
