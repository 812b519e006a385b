var ctl = el("div", {"class": "hx-controls"}, root);
var pIn = slider(ctl, "position p", 0, D.positions - 1, 1);
var kIn = slider(ctl, "offset k", 0, D.max_k, 1);
var view = el("div", {}, root);
function draw() {
  var p = +pIn.value, k = +kIn.value; clear(view);
  pIn.out.textContent = p; kIn.out.textContent = k;
  D.models.forEach(function (M) {
    var d = M.d, pe = M.pe[p], dots = M.dot[p];
    el("div", {"class": "hx-title"}, view, "PE(" + p + ") for d_model = " + d);
    var labels = d <= 8 ? pe.map(fmt) : null;
    bars(view, pe, "bars of PE(" + p + "), " + d + " numbers", labels);
    var nums = el("div", {"class": "hx-nums", "data-d": d}, view);
    nums.textContent = d <= 8 ? "[" + pe.map(fmt).join(", ") + "]"
      : "first four: [" + pe.slice(0, 4).map(fmt).join(", ") + "], last two: [" +
        pe.slice(-2).map(fmt).join(", ") + "]";
    // the dot products against k, with k marked
    var W = width(), H = 100, top = 6, max = d;
    var svg = el("@svg", {viewBox: "0 0 " + W + " " + (H + 12), role: "img",
      "aria-label": "PE(" + p + ")·PE(" + p + "+k) for k = 0.." + D.max_k}, view);
    var x = function (j) { return 30 + j * (W - 40) / D.max_k; };
    var y = function (v) { return top + (max - v / 1000) / (2 * max) * H; };
    el("@line", {x1: 30, x2: W - 10, y1: y(0), y2: y(0), stroke: "var(--hx-ink)"}, svg);
    el("@text", {x: 26, y: y(max * 1000) + 8, "text-anchor": "end"}, svg, String(max));
    el("@text", {x: 26, y: y(0) + 4, "text-anchor": "end"}, svg, "0");
    el("@text", {x: 26, y: y(-max * 1000), "text-anchor": "end"}, svg, String(-max));
    el("@polyline", {fill: "none", stroke: "var(--hx-accent)", "stroke-width": 2,
      points: dots.map(function (v, j) { return x(j) + "," + y(v); }).join(" ")}, svg);
    el("@circle", {cx: x(k), cy: y(dots[k]), r: 5, fill: "var(--hx-accent2)"}, svg);
    el("@text", {x: W - 10, y: y(0) + 14, "text-anchor": "end"}, svg, "k →");
    var dn = el("div", {"class": "hx-nums hx-dot", "data-d": d}, view);
    dn.textContent = "PE(" + p + ")·PE(" + (p + k) + ") = " + fmt(dots[k]);
  });
}
pIn.addEventListener("input", draw); kIn.addEventListener("input", draw);
window.addEventListener("resize", draw); draw();
