"""Chapter 10's key numbers re-derived in plain numpy (tests/reference.py), not mathlib.

The logits of the untrained model come from reference.model_logits (the paper's
equations written out with loops over heads); the loss, the label-smoothed loss,
the gradient of the logits (P - T)/N and a finite-difference gradient are
computed here from those logits, and compared with what the chapter printed.
"""
import re

import numpy as np
import pytest

from mathlib import example
from reference import model_logits, stored_text

NOTEBOOK = "10-loss-and-gradients.ipynb"
SRC = [3, 4]              # hello world
DEC_IN = [1, 6, 7]        # <sos> hola mundo
TARGETS = [6, 7, 2]       # hola mundo <eos>
NUMBER = re.compile(r"-?\d+\.\d+(?:e[-+]?\d+)?|-?\d+e[-+]?\d+")


def logits(params=None):
    return model_logits(SRC, DEC_IN, params or example.PARAMS, scale=False)


def log_softmax_rows(Z):
    Z = Z - Z.max(axis=1, keepdims=True)
    return Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))


def cross_entropy(Z, targets, eps_ls=0.0):
    """Mean over positions of -Σ_k t_k log P_k, t = (1 - ε) one-hot + ε/K."""
    K = Z.shape[1]
    t = np.full(Z.shape, eps_ls / K)
    t[np.arange(len(targets)), targets] += 1 - eps_ls
    return float(-(t * log_softmax_rows(Z)).sum(axis=1).mean())


def expected():
    Z = logits()
    logP = log_softmax_rows(Z)
    per_position = -logP[np.arange(3), TARGETS]
    P = np.exp(logP)
    one_hot = np.eye(Z.shape[1])[TARGETS]
    return dict(per_position=per_position, loss=per_position.mean(),
                smoothed=cross_entropy(Z, TARGETS, 0.1),
                dZ0=(P[0] - one_hot[0]) / 3)


def parse_key_result(text):
    lines = text.strip().splitlines()
    assert len(lines) == 5, text
    found = {}
    found["per_position"] = np.array(
        [float(x) for x in re.findall(r"-?\d+\.\d*", lines[0])])
    m = re.fullmatch(r"loss: (\S+)\s+with label smoothing 0\.1: (\S+)",
                     lines[1].strip())
    assert m, lines[1]
    found["loss"], found["smoothed"] = float(m.group(1)), float(m.group(2))
    assert lines[2] == "dZ row 0:", lines[2]
    found["dZ0"] = np.array([float(x) for x in NUMBER.findall(lines[3])])
    assert found["dZ0"].size == 10, lines[3]
    found["error"] = float(lines[4].rsplit(":", 1)[1])
    return found


def check_key_result(text):
    found, want = parse_key_result(text), expected()
    np.testing.assert_allclose(found["per_position"], want["per_position"],
                               rtol=0, atol=5e-5)
    np.testing.assert_allclose(found["loss"], want["loss"], rtol=0,
                               atol=5e-5)
    np.testing.assert_allclose(found["smoothed"], want["smoothed"],
                               rtol=0, atol=5e-5)
    np.testing.assert_allclose(found["dZ0"], want["dZ0"], rtol=0, atol=5e-5)
    assert 0 < found["error"] < 1e-6


def test_the_reference_loss_is_near_that_of_a_blind_guess():
    # ten tokens: a uniform guess costs log 10; the untrained model is close
    want = expected()
    assert abs(want["loss"] - np.log(10)) < 0.2
    np.testing.assert_allclose(want["dZ0"].sum(), 0, atol=1e-15)


def test_key_result_on_the_page():
    check_key_result(stored_text(NOTEBOOK))


def test_key_result_check_catches_a_changed_digit():
    text = stored_text(NOTEBOOK)
    line = text.strip().splitlines()[1]                   # "loss: 2.4051 ..."
    m = re.search(r"loss: \d\.\d\d\d(\d)", line)
    assert m, line
    digit = line[m.start(1)]
    bad = line[:m.start(1)] + str((int(digit) + 1) % 10) + line[m.end(1):]
    with pytest.raises(AssertionError):
        check_key_result(text.replace(line, bad, 1))
    first = text.strip().splitlines()[0]                  # per position
    bad_first = re.sub(r"(\d)(\s*\]?)$",
                       lambda k: str((int(k.group(1)) + 1) % 10) + k.group(2),
                       first.rstrip())
    with pytest.raises(AssertionError):
        check_key_result(text.replace(first, bad_first, 1))


def test_logits_on_the_page():
    printed = np.array([float(x) for x in re.findall(
        r"-?\d+\.\d*", stored_text(NOTEBOOK, "logits"))])
    np.testing.assert_allclose(printed.reshape(3, 10), logits(), rtol=0,
                               atol=5e-4)


def test_finite_difference_gradient_on_the_page():
    """∂L/∂W_Q[0, 0] of encoder layer 0 by a central difference through the
    reference model, against the value the chapter's backward pass printed;
    and the printed relative error of the δ = 1e-3 check over all of W_Q is
    the δ² error that a Richardson-extrapolated difference predicts."""
    text = stored_text(NOTEBOOK, "check-one")
    printed = float(re.search(r"backward gives\s+(\S+)", text).group(1))
    params = _writable(example.PARAMS)
    W_Q = params.encoder_layers[0].self_attn.W_Q

    def central(i, j, delta):
        old = W_Q[i, j]
        W_Q[i, j] = old + delta
        up = cross_entropy(logits(params), TARGETS)
        W_Q[i, j] = old - delta
        down = cross_entropy(logits(params), TARGETS)
        W_Q[i, j] = old
        return (up - down) / (2 * delta)

    g00 = (4 * central(0, 0, 5e-4) - central(0, 0, 1e-3)) / 3   # Richardson
    np.testing.assert_allclose(printed, g00, rtol=0, atol=5e-9)

    coarse = np.array([[central(i, j, 1e-3) for j in range(6)]
                       for i in range(4)])
    fine = np.array([[central(i, j, 5e-4) for j in range(6)]
                     for i in range(4)])
    truth = (4 * fine - coarse) / 3
    error = np.linalg.norm(coarse - truth) / np.linalg.norm(truth)
    shown = parse_key_result(stored_text(NOTEBOOK))["error"]
    np.testing.assert_allclose(shown, error, rtol=0.1)


def _writable(params):
    from mathlib.transformer import map_arrays
    return map_arrays(lambda path, a: np.array(a, dtype=np.float64), params)


def test_padding_and_smoothing_claims():
    """The padded batch's loss over real tokens, and the smallest smoothed
    loss, the entropy of ỹ = [0.91, 0.01 × 9]."""
    text = stored_text(NOTEBOOK, "confident")
    t = np.array([0.91] + [0.01] * 9)
    entropy = -(t * np.log(t)).sum()
    shown = float(re.search(r"entropy of ỹ\): (\S+)", text).group(1))
    np.testing.assert_allclose(shown, entropy, rtol=0, atol=5e-5)

    goodbye = model_logits([5], [1, 8], example.PARAMS, scale=False)  # adios
    per = np.concatenate([
        -log_softmax_rows(logits())[np.arange(3), TARGETS],
        -log_softmax_rows(goodbye)[np.arange(2), [8, 2]]])
    text = stored_text(NOTEBOOK, "padded-loss")
    shown = float(re.search(r"loss over real tokens: (\S+)", text).group(1))
    np.testing.assert_allclose(shown, per.mean(), rtol=0, atol=5e-5)


# ---------------------------------------------------------------- backprop taught by hand

def test_the_neuron_by_hand():
    """u = wx + b, f = ReLU(u), o = f + x, L = (o - o*)²/2 with x, w, b, o* = 2, 0.5,
    -0.5, 3: the gradients worked out here from the formulas, x's as the sum at its fork."""
    text = stored_text(NOTEBOOK, "neuron-backward")
    x, w, b, o_star = 2.0, 0.5, -0.5, 3.0
    u = w * x + b
    o = max(0.0, u) + x
    d_o = o - o_star
    d_u = d_o * (u > 0)
    want = dict(w=d_u * x, b=d_u, x=d_o + d_u * w)
    m = re.search(r"dL/dw = (\S+)\s+dL/db = (\S+)\s+dL/dx = (\S+) \+ \((\S+)\) = (\S+)", text)
    assert m, text
    assert float(m.group(1)) == want["w"] and float(m.group(2)) == want["b"]
    assert float(m.group(3)) == d_o and float(m.group(4)) == d_u * w       # the two paths
    assert float(m.group(5)) == want["x"]


def _reference_loss(src, dec_in, targets, params):
    return cross_entropy(model_logits(src, dec_in, params, scale=False), targets)


def test_relu_kink_on_the_page():
    """The unit closest to its kink in "goodbye world" → "adios mundo", re-found with the
    reference model; its bias's central difference at h = 1e-5 crosses the kink and differs
    from the one-sided slope the backward uses, and at h = 1e-7 it does not."""
    src, dec_in, tgts = [5, 4], [1, 8, 7], [8, 7, 2]
    params = _writable(example.PARAMS)
    # the encoder layer inputs, by the reference model's own blocks
    from reference import embed_positions, encoder_block, norm, attend
    X = embed_positions(src, params, scale=False)
    best = None
    for l, layer in enumerate(params.encoder_layers):
        X1 = norm(X + attend(X, X, layer.self_attn)[0], layer.norm1.gamma, layer.norm1.beta)
        pre = X1 @ layer.ffn.W1 + layer.ffn.b1
        t, u = np.unravel_index(np.abs(pre).argmin(), pre.shape)
        if best is None or abs(pre[t, u]) < best[0]:
            best = (abs(pre[t, u]), l, t, u, pre[t, u])
        X = encoder_block(X, layer)
    _, l, t, u, value = best
    text = stored_text(NOTEBOOK, "kink-find")
    assert f"encoder layer {l}, position {t}, unit {u}" in text, text
    shown = float(re.search(r"H_pre = (\S+)", text).group(1))
    np.testing.assert_allclose(shown, value, rtol=5e-3)
    assert abs(value) < 1e-5

    b1 = params.encoder_layers[l].ffn.b1

    def central(h):
        old = b1[u]
        b1[u] = old + h
        up = _reference_loss(src, dec_in, tgts, params)
        b1[u] = old - h
        down = _reference_loss(src, dec_in, tgts, params)
        b1[u] = old
        return (up - down) / (2 * h)

    text = stored_text(NOTEBOOK, "kink-check")
    rows = dict(re.findall(r"δ = (\S+): central difference (\S+),", text))
    for h in ("1e-03", "1e-05", "1e-07"):
        np.testing.assert_allclose(float(rows[h]), central(float(h)), rtol=0, atol=2e-6)
    errors = [float(x) for x in re.findall(r"relative error over b1 (\S+)", text)]
    assert errors[0] > 0.05 and errors[1] > 0.05 and errors[2] < 0.01, errors
    backward = float(re.search(r"db1\[\d\] = (\S+)", text).group(1))
    np.testing.assert_allclose(backward, central(1e-8), rtol=0, atol=2e-6)


def test_memory_shares_add_up_on_the_page():
    """The six decoder layers' shares of dM's row 0 add up to the sum row, and the sum is
    the memory's gradient by finite differences through the reference decoder."""
    import json
    from pathlib import Path
    nb = json.loads((Path(__file__).resolve().parents[1] / "chapters" / NOTEBOOK).read_text())
    cell = next(c for c in nb["cells"] if c.get("id") == "memory-table")
    md = "".join(cell["outputs"][0]["data"]["text/markdown"])
    rows = [[float(x) for x in re.findall(r"-?\d+\.\d{4}", line)] for line in md.splitlines()
            if line.startswith("| decoder layer") or "**sum**" in line]
    assert len(rows) == 7 and all(len(r) == 4 for r in rows), md
    np.testing.assert_allclose(np.sum(rows[:6], axis=0), rows[6], atol=3e-4)
    # the memory's gradient, independently: finite differences through the reference decoder
    from reference import run_encoder, run_decoder
    params = _writable(example.PARAMS)
    from reference import embed_positions
    M = run_encoder(embed_positions(SRC, params, scale=False), params)
    Y = embed_positions(DEC_IN, params, scale=False)

    def loss_of(M):
        Z = run_decoder(Y, M, params) @ params.W_out + params.b_out
        return cross_entropy(Z, TARGETS)

    h = 1e-5
    dM0 = []
    for j in range(4):
        e = np.zeros_like(M)
        e[0, j] = h
        dM0.append((loss_of(M + e) - loss_of(M - e)) / (2 * h))
    np.testing.assert_allclose(rows[6], dM0, atol=6e-5)


def test_scatter_add_of_hello_hello_on_the_page():
    import json
    from pathlib import Path
    nb = json.loads((Path(__file__).resolve().parents[1] / "chapters" / NOTEBOOK).read_text())
    cell = next(c for c in nb["cells"] if c.get("id") == "scatter-by-hand")
    tex = "".join(cell["outputs"][0]["data"]["text/latex"])
    v = np.array([float(x) for x in re.findall(r"-?\d+\.\d{4}", tex)]).reshape(3, 4)
    np.testing.assert_allclose(v[0] + v[1], v[2], atol=2e-4)
    # row "hello" of dW_E by finite differences through the reference model on "hello hello"
    params = _writable(example.PARAMS)
    row = params.embedding[3]
    want = []
    for j in range(4):
        old = row[j]
        row[j] = old + 1e-5
        up = _reference_loss([3, 3], DEC_IN, TARGETS, params)
        row[j] = old - 1e-5
        down = _reference_loss([3, 3], DEC_IN, TARGETS, params)
        row[j] = old
        want.append((up - down) / 2e-5)
    np.testing.assert_allclose(v[2], want, atol=6e-5)


def test_the_new_figures_are_labelled_and_drawn():
    import json
    from pathlib import Path
    nb = json.loads((Path(__file__).resolve().parents[1] / "chapters" / NOTEBOOK).read_text())
    text = "\n".join("".join(c["source"]) for c in nb["cells"])
    for label in ("fig-neuron-10", "fig-layer-backward-10"):
        cell = next(c for c in nb["cells"] if f"#| label: {label}" in "".join(c["source"]))
        assert "#| fig-alt:" in "".join(cell["source"]) and "#| fig-cap:" in "".join(cell["source"])
        assert any("image/png" in o.get("data", {}) for o in cell["outputs"]), label
        assert f"@{label}" in text, f"{label} is never referenced in the prose"
    assert "[@rumelhart1986backprop]" in text


# ---------------------------------------------------------------- flow.computation_graph

def test_computation_graph_draws_every_node_edge_and_gradient():
    from mathlib import flow
    nodes = {"x": (0, 0, "x"), "w": (0, 1, "w"), "mul": (1.5, 0.5, "×"), "L": (3, 0.5, "L")}
    edges = [("x", "mul", "w"), ("w", "mul", "x"), ("mul", "L")]
    fig = flow.computation_graph(nodes, edges, values={"x": 2, "mul": 1.0},
                                 grads={"x": "-0.5", "w": -1, "mul": -0.5, "L": 1})
    ax = fig.axes[0]
    gids = {p.get_gid() for p in ax.patches} | {t.get_gid() for t in ax.texts}
    assert {"node:x", "node:w", "node:mul", "node:L"} <= gids
    assert {"edge:x:mul", "edge:w:mul", "edge:mul:L"} <= gids
    assert {"back:x:mul", "back:w:mul", "back:mul:L"} <= gids          # every grad known
    assert {"local:x:mul", "local:w:mul"} <= gids and "local:mul:L" not in gids
    texts = {t.get_gid(): t.get_text() for t in ax.texts if t.get_gid()}
    assert texts["grad:x"] == "−0.5" and texts["grad:w"] == "−1" and texts["value:x"] == "2"
    # no gradient on one end: no back arrow along that edge
    fig = flow.computation_graph(nodes, edges, grads={"mul": 1.0})
    assert not any(str(p.get_gid()).startswith("back:") for p in fig.axes[0].patches)


@pytest.mark.parametrize("kwargs, words", [
    (dict(nodes={}, edges=[]), "nodes"),
    (dict(nodes={"a": (0, 0)}, edges=[]), "nodes"),
    (dict(nodes={"a": (0, 0, "a")}, edges=[("a", "b")]), "b"),
    (dict(nodes={"a": (0, 0, "a")}, edges=[("a",)]), "edge"),
    (dict(nodes={"a": (0, 0, "a")}, edges=[], grads={"z": 1}), "grads"),
    (dict(nodes={"a": (0, 0, "a")}, edges=[], values={"a": float("nan")}), "finite"),
])
def test_computation_graph_rejects_bad_input(kwargs, words):
    from mathlib import flow
    with pytest.raises(ValueError, match=words):
        flow.computation_graph(**kwargs)


def test_computation_graph_is_transparent_and_reads_on_both_pages():
    """Light and dark page alike: a transparent canvas, every text (grey values, orange
    gradients and local derivatives, labels on the grey boxes) and every arrow at ≥ 3:1."""
    from matplotlib.colors import to_rgba
    from figure_colours import PAGES, READABLE, contrast, on_page, png_rgba, worst_text_contrast
    from mathlib import flow
    nodes = {"x": (0, 0, "x"), "f": (1.5, 0.5, "ReLU"), "o": (3, 0, "+")}
    edges = [("x", "f", "1"), ("f", "o", "1"), ("x", "o")]
    fig = flow.computation_graph(nodes, edges, values={"x": 2, "f": 1, "o": 3},
                                 grads={"x": "1 + 1 = 2", "f": 1, "o": 1})
    assert to_rgba(fig.get_facecolor())[3] == 0
    png = png_rgba(fig)
    assert png[0, 0, 3] == 0 and (png[..., 3] == 0).mean() > 0.3
    ratio, text, page = worst_text_contrast(fig)
    assert ratio >= READABLE, f"{text!r} has contrast {ratio:.2f} on the {page} page"
    for p in fig.axes[0].patches:
        for page, bg in PAGES.items():
            assert contrast(on_page([p.get_edgecolor()], page), bg) >= READABLE, (p.get_gid(), page)
