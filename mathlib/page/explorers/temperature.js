var ctl = el("div", {"class": "hx-controls"}, root);
var tIn = slider(ctl, "temperature T", 0, D.temperatures.length - 1,
                 D.temperatures.indexOf(1));
var kIn = select(ctl, "top-k", Array.from({length: D.max_k}, function (_, i) {
  return [i + 1, i + 1 === D.max_k ? (i + 1) + " (all)" : String(i + 1)]; }), D.max_k);
var sIn = slider(ctl, "step", 1, D.chosen.length, 1);
var view = el("div", {}, root);
function draw() {
  var t = +tIn.value, k = +kIn.value, s = +sIn.value - 1;
  tIn.out.textContent = D.temperatures[t].toFixed(1);
  sIn.out.textContent = s + 1;
  var p = D.probs[s][t][k - 1];
  clear(view);
  el("div", {"class": "hx-title"}, view, "step " + (s + 1) + ": after <sos> " +
     D.chosen.slice(0, s).join(" ") + " (greedy chose \"" + D.chosen[s] + "\")");
  var rows = D.vocab.map(function (w, i) { return i; }).filter(function (i) { return i > 1; });
  var W = width(), rh = 22, left = 80, right = 60;
  var svg = el("@svg", {viewBox: "0 0 " + W + " " + (rows.length * rh + 4), role: "img",
    "aria-label": "next-token probabilities at step " + (s + 1)}, view);
  rows.forEach(function (i, r) {
    var y = r * rh + 2, v = p[i];
    el("@text", {x: left - 6, y: y + 15, "text-anchor": "end"}, svg, D.vocab[i]);
    el("@rect", {x: left, y: y + 3, height: rh - 6, width: Math.max(0.5, v / 1000 * (W - left - right)),
      fill: D.vocab[i] === D.chosen[s] ? "var(--hx-accent2)" : "var(--hx-accent)"}, svg);
    el("@text", {x: left + v / 1000 * (W - left - right) + 4, y: y + 15, "class": "hx-p",
                 "data-token": D.vocab[i]}, svg, fmt(v));
  });
}
tIn.addEventListener("input", draw); sIn.addEventListener("input", draw);
kIn.addEventListener("change", draw); window.addEventListener("resize", draw); draw();
