var root = document.currentScript ? document.currentScript.parentElement : null;
if (!root || !root.classList.contains("hx-explorer")) {
  var all = document.querySelectorAll(".hx-explorer"); root = all[all.length - 1]; }
var D = JSON.parse(root.querySelector(".hx-data").textContent);
var SVG = "http://www.w3.org/2000/svg";
function el(tag, attrs, parent, text) {
  var e = tag.charAt(0) === "@" ? document.createElementNS(SVG, tag.slice(1))
                                : document.createElement(tag);
  for (var k in (attrs || {})) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}
function fmt(v) { return (v / 1000).toFixed(3); }
var uid = 0;
function control(parent, label, input) {
  var id = root.id + "-c" + (uid++);
  var box = el("span", {"class": "hx-ctl"}, parent);
  el("label", {"for": id}, box, label);
  input.id = id; box.appendChild(input); return input;
}
function slider(parent, label, min, max, value) {
  var i = control(parent, label, el("input", {type: "range", min: min, max: max,
                                               step: 1, value: value}));
  i.out = el("output", {"for": i.id}, i.parentNode);
  return i;
}
function select(parent, label, options, value) {
  var s = control(parent, label, el("select", {}));
  options.forEach(function (o) { var opt = el("option", {value: o[0]}, s, o[1]);
                                 if (String(o[0]) === String(value)) opt.selected = true; });
  return s;
}
var VIRIDIS = ["#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89",
               "#35b779", "#6ece58", "#b5de2b", "#fde725"];
function colour(t) { t = Math.max(0, Math.min(1, t));
  return VIRIDIS[Math.min(9, Math.floor(t * 10))]; }
function heatmap(parent, w, rows, cols, title) {
  var n = rows.length, m = cols.length, cell = 46, left = 64, top = 18;
  var svg = el("@svg", {viewBox: "0 0 " + (left + m * cell + 4) + " " + (top + n * cell + 4),
                        role: "img", "aria-label": title,
                        style: "max-width:" + (left + m * cell + 4) * 1.25 + "px"}, parent);
  cols.forEach(function (c, j) { el("@text", {x: left + j * cell + cell / 2, y: 12,
                                              "text-anchor": "middle"}, svg, c); });
  rows.forEach(function (r, i) {
    el("@text", {x: left - 6, y: top + i * cell + cell / 2 + 4, "text-anchor": "end"}, svg, r);
    cols.forEach(function (c, j) {
      var v = w[i * m + j];
      el("@rect", {x: left + j * cell, y: top + i * cell, width: cell - 2, height: cell - 2,
                   fill: colour(v / 1000)}, svg);
      el("@text", {x: left + j * cell + cell / 2 - 1, y: top + i * cell + cell / 2 + 3,
                   "text-anchor": "middle", "class": "hx-w",
                   style: "fill:" + (v > 600 ? "#000" : "#fff")}, svg, fmt(v));
    });
  });
  return svg;
}
function bars(parent, values, title, labels) {
  // values in thousandths within [-1000, 1000], one bar each, zero line in the middle
  var n = values.length, W = width(), H = 90, bw = W / n;
  var svg = el("@svg", {viewBox: "0 0 " + W + " " + (H + 4), role: "img",
                        "aria-label": title}, parent);
  el("@line", {x1: 0, x2: W, y1: H / 2, y2: H / 2, stroke: "var(--hx-ink)"}, svg);
  values.forEach(function (v, i) {
    var h = Math.abs(v) / 1000 * (H / 2 - 2);
    el("@rect", {x: i * bw + bw * 0.1, width: Math.max(1, bw * 0.8), height: Math.max(h, 0.5),
                 y: v >= 0 ? H / 2 - h : H / 2, fill: "var(--hx-accent)"}, svg);
    if (labels) el("@text", {x: i * bw + bw / 2, y: v >= 0 ? H / 2 + 13 : H / 2 - 5,
                             "text-anchor": "middle"}, svg, labels[i]);
  });
  return svg;
}
function width() {   // the drawing's width in px: the text keeps its size on a phone
  return Math.max(260, Math.min(600, (root.clientWidth || 600) - 24)); }
function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
