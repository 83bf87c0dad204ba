(function () {
  var box = document.getElementById("filter");
  var bad = document.getElementById("only-bad");
  var controls = document.getElementById("controls");
  if (!box || !bad || !controls) { return; }
  controls.hidden = false;
  var rows = document.querySelectorAll("#rows tbody tr");
  function apply() {
    var q = box.value.toLowerCase();
    var shown = 0;
    rows.forEach(function (tr) {
      var ok = (!bad.checked || tr.dataset.bad === "1") && (q === "" || tr.textContent.toLowerCase().indexOf(q) >= 0);
      tr.hidden = !ok;
      if (ok) { shown++; }
    });
    document.getElementById("shown").textContent = String(shown);
  }
  box.addEventListener("input", apply);
  bad.addEventListener("change", apply);
  apply();
})();
