// Results follow the typing: each change asks the server for the results fragment.
(function () {
  const form = document.getElementById("playground");
  const results = document.getElementById("results");
  let timer = null, asked = 0;
  function refresh() {
    const query = new URLSearchParams(new FormData(form)).toString();
    const mine = ++asked;
    fetch("/playground/results?" + query, {credentials: "same-origin"})
      .then(function (r) { return r.text(); })
      .then(function (html) {
        if (mine !== asked) return;  // a later keystroke's answer wins
        results.innerHTML = html;
        history.replaceState(null, "", "/playground?" + query);
      });
  }
  form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refresh, 250); });
  form.addEventListener("change", function () { clearTimeout(timer); refresh(); });
})();
