var ctl = el("div", {"class": "hx-controls"}, root);
var words = D.words.map(function (w) { return [w, w]; });
var sel = [];
for (var i = 0; i < D.max_words; i++) {
  sel.push(select(ctl, "word " + (i + 1), (i ? [["", "(none)"]] : []).concat(words),
                  ["hello", "world", ""][i] || ""));
}
var mIn = select(ctl, "model", D.models.map(function (m) { return [m, m]; }), D.models[0]);
var lIn = select(ctl, "layer", Array.from({length: D.layers}, function (_, i) {
  return [i + 1, String(i + 1)]; }), 1);
var hIn = select(ctl, "head", Array.from({length: D.heads}, function (_, i) {
  return [i + 1, String(i + 1)]; }), 1);
var view = el("div", {}, root);
function draw() {
  var toks = [];
  for (var i = 0; i < sel.length; i++) { if (!sel[i].value) break; toks.push(sel[i].value); }
  for (var j = toks.length + 1; j < sel.length; j++) sel[j].disabled = true;
  for (var j = 1; j <= toks.length && j < sel.length; j++) sel[j].disabled = false;
  var m = D.models.indexOf(mIn.value), l = +lIn.value - 1, h = +hIn.value - 1;
  var w = D.weights[toks.join(" ")][m][l][h];
  clear(view);
  var title = "\"" + toks.join(" ") + "\", " + D.models[m] + " model, layer " +
              (l + 1) + ", head " + (h + 1);
  el("div", {"class": "hx-title"}, view, title);
  el("div", {}, view, "Each row is a query (the token looking), each column a key; rows sum to 1.");
  heatmap(view, [].concat.apply([], w), toks, toks, "attention weights of " + title);
}
sel.concat([mIn, lIn, hIn]).forEach(function (s) { s.addEventListener("change", draw); });
draw();
