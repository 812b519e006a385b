var ctl = el("div", {"class": "hx-controls"}, root);
var S = D.snapshots;
var sIn = slider(ctl, "snapshot", 0, S.length - 1, S.length - 1);
var view = el("div", {}, root);
var L = D.losses, maxL = Math.max.apply(null, L);
function draw() {
  var i = +sIn.value, snap = S[i], step = snap.step;
  sIn.out.textContent = "step " + step;
  clear(view);
  var loss = step > 0 ? L[step - 1].toFixed(4) : "(before training)";
  el("div", {"class": "hx-title hx-loss"}, view, "step " + step + ", loss " + loss);
  var W = width(), H = 110, x = function (s) { return 36 + (s - 1) / (L.length - 1) * (W - 46); };
  var y = function (v) { return 6 + (1 - v / maxL) * H; };
  var svg = el("@svg", {viewBox: "0 0 " + W + " " + (H + 26), role: "img",
                        "aria-label": "loss curve with step " + step + " marked"}, view);
  el("@line", {x1: 36, x2: W - 10, y1: y(0), y2: y(0), stroke: "var(--hx-ink)"}, svg);
  el("@line", {x1: 36, x2: 36, y1: y(0), y2: y(maxL), stroke: "var(--hx-ink)"}, svg);
  el("@text", {x: 32, y: y(maxL) + 8, "text-anchor": "end"}, svg, maxL.toFixed(1));
  el("@text", {x: 32, y: y(0), "text-anchor": "end"}, svg, "0");
  el("@text", {x: W - 10, y: H + 24, "text-anchor": "end"}, svg, "step " + L.length);
  el("@polyline", {fill: "none", stroke: "var(--hx-accent)", "stroke-width": 1.5,
    points: L.map(function (v, s) { return x(s + 1) + "," + y(v); }).join(" ")}, svg);
  if (step > 0) {
    el("@line", {x1: x(step), x2: x(step), y1: y(0), y2: y(maxL), stroke: "var(--hx-accent2)"}, svg);
    el("@circle", {cx: x(step), cy: y(L[step - 1]), r: 5, fill: "var(--hx-accent2)"}, svg);
  }
  var row = el("div", {"class": "hx-row"}, view);
  var box = el("div", {}, row);
  var nOk = 0, tb = el("table", {"class": "hx-translations"}, box);
  var hd = el("tr", {}, el("thead", {}, tb));
  ["source", "greedy output", ""].forEach(function (h) { el("th", {}, hd, h); });
  var body = el("tbody", {}, tb), nTrain = D.sources.length - D.held_out;
  D.sources.forEach(function (src, j) {
    var out = snap.translations[j], ok = out === D.targets[j] + " <eos>";
    if (ok) nOk++;
    var tr = el("tr", {}, body);
    el("td", {}, tr, src + (j >= nTrain ? " (held out)" : ""));
    el("td", {"class": "hx-out"}, tr, out);
    el("td", {"class": ok ? "hx-ok" : ""}, tr, ok ? "✓" : "✗");
  });
  el("div", {"class": "hx-exact"}, box, nOk + " of " + D.sources.length + " exact");
  var right = el("div", {}, row);
  el("div", {"class": "hx-title"}, right, "cross-attention of the last decoder layer");
  var maps = el("div", {"class": "hx-maps"}, right);
  var c = snap.cross;
  c.forEach(function (w, h) {
    var one = el("div", {}, maps);
    el("div", {}, one, "head " + (h + 1));
    heatmap(one, [].concat.apply([], w), D.target_tokens, D.source_tokens,
            "cross-attention of the last decoder layer, head " + (h + 1) + ", step " + step);
  });
}
sIn.addEventListener("input", draw); window.addEventListener("resize", draw); draw();
