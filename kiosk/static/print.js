/* Relais: a Print button on printable pages (without JavaScript, the browser's own Print command). */
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
