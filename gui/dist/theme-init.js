// Runs before the page paints: the saved theme choice, else the system's.
(function () {
  var saved = null;
  try { saved = localStorage.getItem("fastworker-theme"); } catch (e) { saved = null; }
  var dark = saved === "dark" || (saved !== "light" && window.matchMedia("(prefers-color-scheme: dark)").matches);
  document.documentElement.classList.toggle("dark", dark);
})();
