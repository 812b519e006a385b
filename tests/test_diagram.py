"""mathlib.diagram: the architecture diagram (one column function for both stacks, every
highlight name) and the network of neurons (diagram.network, mathlib/page/neurons.py), and
mathlib.flow's figures, readable on a light and a dark page.

Figures are inspected through matplotlib's objects (gids, patch geometry and colours),
drawn with the Agg backend; the colour checks use the WCAG formulas of figure_colours.py.
"""
import json
import pathlib
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402,F401  (pyplot with the Agg backend, as the modules use it)
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from figure_colours import (PAGES, READABLE, coloured, contrast, on_page, png_rgba, texts,  # noqa: E402
                            worst_text_contrast)
from mathlib import diagram, flow  # noqa: E402

CHAPTERS = pathlib.Path(__file__).resolve().parents[1] / "chapters"

# The architecture's elements and, for each name of ARCHITECTURE_PARTS, the
# elements it must light up, written out here from the docstring (not read from diagram).
ENCODER = {"encoder-self-attention", "encoder-add-norm-1", "encoder-feed-forward", "encoder-add-norm-2"}
DECODER = {"decoder-masked-self-attention", "decoder-add-norm-1", "decoder-cross-attention",
           "decoder-add-norm-2", "decoder-feed-forward", "decoder-add-norm-3"}
ELEMENTS = ENCODER | DECODER | {"encoder-block", "decoder-block", "encoder-embedding", "decoder-embedding",
                                "encoder-positional", "decoder-positional", "linear", "softmax"}
EXPECTED = {
    "embedding": {"encoder-embedding", "decoder-embedding"},
    "positional": {"encoder-positional", "decoder-positional"},
    "encoder-self-attention": {"encoder-self-attention"},
    "attention": {"encoder-self-attention", "decoder-masked-self-attention", "decoder-cross-attention"},
    "feed-forward": {"encoder-feed-forward", "decoder-feed-forward"},
    "add-norm": {"encoder-add-norm-1", "encoder-add-norm-2", "decoder-add-norm-1", "decoder-add-norm-2",
                 "decoder-add-norm-3"},
    "encoder": ENCODER | {"encoder-block"},
    "decoder": DECODER | {"decoder-block"},
    "masked-self-attention": {"decoder-masked-self-attention"},
    "cross-attention": {"decoder-cross-attention"},
    "output": {"linear", "softmax"},
    "all": ELEMENTS,
}


pytestmark = pytest.mark.usefixtures("no_open_figures")    # tests/conftest.py




# ---------------------------------------------------------------- architecture

def drawn_parts(fig):
    """{element: [patches]} for every patch with a gid 'part:<element>'."""
    parts = {}
    for p in fig.axes[0].patches:
        gid = p.get_gid() or ""
        if gid.startswith("part:"):
            parts.setdefault(gid[5:], []).append(p)
    return parts


def lit_parts(fig):
    return {name for name, ps in drawn_parts(fig).items() if any(coloured(p.get_facecolor()) for p in ps)}


def test_architecture_draws_every_element_once_and_greys_them_by_default():
    fig = diagram.architecture()
    parts = drawn_parts(fig)
    assert set(parts) == ELEMENTS
    assert lit_parts(fig) == set()
    assert set(diagram.ARCHITECTURE_PARTS) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_architecture_highlights_exactly_the_named_part(name):
    assert lit_parts(diagram.architecture(highlight=name)) == EXPECTED[name]


def test_architecture_highlights_several_parts():
    fig = diagram.architecture(highlight=["masked-self-attention", "cross-attention"])
    assert lit_parts(fig) == {"decoder-masked-self-attention", "decoder-cross-attention"}


def test_architecture_all_lights_every_patch():
    fig = diagram.architecture("all")
    assert all(coloured(p.get_facecolor()) for ps in drawn_parts(fig).values() for p in ps)


def test_architecture_unknown_part_lists_the_valid_names():
    with pytest.raises(ValueError) as e:
        diagram.architecture(highlight=["attention", "atention"])
    message = str(e.value)
    assert "atention" in message
    assert all(name in message for name in EXPECTED)


def test_architecture_labels_sit_inside_their_boxes_and_boxes_do_not_overlap():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    fig = diagram.architecture("all")
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    boxes = {name: ps[0].get_window_extent(renderer) for name, ps in drawn_parts(fig).items()
             if "block" not in name and "positional" not in name}
    labels = [t.get_window_extent(renderer) for t in fig.axes[0].texts]
    for name, box in boxes.items():
        inside = [t for t in labels if box.x0 <= t.x0 and t.x1 <= box.x1 and box.y0 <= t.y0 and t.y1 <= box.y1]
        assert len(inside) == 1, name
    names = sorted(boxes)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert not boxes[a].overlaps(boxes[b]), (a, b)


def test_architecture_shows_the_stacks_and_the_words_of_figure_1():
    words = " ".join(t.get_text() for t in diagram.architecture().axes[0].texts)
    for w in ["N×", "×N", "Inputs", "Outputs (shifted right)", "Output Probabilities", "Positional",
              "Masked Multi-Head", "Cross-Attention", "Feed Forward", "Add & Norm", "Linear", "Softmax"]:
        assert w in words


# ---------------------------------------------------------------- network

def gids(fig, prefix):
    """{gid: artist} for the artists (lines and patches) of the network axes with a gid prefix:…"""
    ax = fig.axes[0]
    return {a.get_gid(): a for a in list(ax.lines) + list(ax.patches)
            if (a.get_gid() or "").startswith(prefix + ":")}


FFN_W1 = np.arange(-16, 16, dtype=float).reshape(4, 8) / 8      # -2 … 1.875, one zero at (2, 0)
FFN_W2 = np.linspace(1, -1, 32).reshape(8, 4)


def test_network_draws_every_connection_and_every_neuron():
    fig = diagram.network([4, 8, 4], [FFN_W1, FFN_W2])
    lines, neurons = gids(fig, "weight"), gids(fig, "neuron")
    assert len(lines) == 4 * 8 + 8 * 4
    assert set(lines) == ({f"weight:0:{i}:{j}" for i in range(4) for j in range(8)}
                          | {f"weight:1:{i}:{j}" for i in range(8) for j in range(4)})
    assert set(neurons) == {f"neuron:{l}:{i}" for l, n in enumerate([4, 8, 4]) for i in range(n)}
    # each line runs from its neuron to the next layer's neuron: same heights as the circles
    for (l, i, j) in [(0, 0, 0), (0, 3, 7), (1, 5, 2)]:
        y = lines[f"weight:{l}:{i}:{j}"].get_ydata()
        assert (y[0], y[1]) == (neurons[f"neuron:{l}:{i}"].center[1], neurons[f"neuron:{l + 1}:{j}"].center[1])
    assert len(gids(diagram.network([10, 4], [np.ones((10, 4))]), "weight")) == 40
    assert len(gids(diagram.network([10, 4], [np.ones((10, 4))]), "neuron")) == 14


def test_network_colour_and_width_show_sign_and_size():
    fig = diagram.network([4, 8, 4], [FFN_W1, FFN_W2])
    lines = gids(fig, "weight")
    def rgb(gid):
        return to_rgba(lines[gid].get_color())[:3]
    r, g, b = rgb("weight:0:3:7")                          # +1.875: purple (blue above red)
    assert b > r + 0.1 and b > g + 0.1
    r, g, b = rgb("weight:0:0:0")                          # -2: orange (red well above blue)
    assert r > b + 0.3
    assert max(rgb("weight:0:2:0")) - min(rgb("weight:0:2:0")) < 0.05    # 0: neutral, no hue
    width = {gid: line.get_linewidth() for gid, line in lines.items()}
    assert max(width, key=width.get) == "weight:0:0:0"     # |−2| is the largest weight
    assert min(width, key=width.get) == "weight:0:2:0"     # 0 the smallest
    assert width["weight:0:0:1"] > width["weight:0:0:2"]   # −1.875 thicker than −1.75
    bar = fig.axes[1]                                      # one scale for all, centred at 0
    assert tuple(bar.get_ylim()) == (-2.0, 2.0) and bar.get_ylabel() == "weight"


def test_network_off_neurons_are_hollow_and_their_outgoing_lines_faded():
    hidden_on = np.array([False, False, True, False, True, True, False, True])
    fig = diagram.network([4, 8, 4], [FFN_W1, FFN_W2], active=[None, hidden_on, None])
    neurons, lines = gids(fig, "neuron"), gids(fig, "weight")
    for i, on in enumerate(hidden_on):
        face = to_rgba(neurons[f"neuron:1:{i}"].get_facecolor())
        assert face[3] == (1 if on else 0)                 # on: filled solid; off: hollow
        assert (neurons[f"neuron:1:{i}"].get_linestyle() == "--") == (not on)
        for j in range(4):                                 # outgoing lines faded exactly when off
            alpha = lines[f"weight:1:{i}:{j}"].get_alpha()
            assert (alpha < 0.5) if not on else (alpha is None or alpha == 1)
        for k in range(4):                                 # incoming lines are not faded
            assert lines[f"weight:0:{k}:{i}"].get_alpha() in (None, 1)
    for i in range(4):                                     # None: faintly filled, neither on nor off
        assert 0 < to_rgba(neurons[f"neuron:0:{i}"].get_facecolor())[3] < 1


def test_network_labels_neurons_and_layers():
    words = ["<pad>", "<sos>", "<eos>", "hello", "world", "goodbye", "hola", "mundo", "adios", "!"]
    onehot = np.array(words) == "hello"
    fig = diagram.network([10, 4], [np.arange(40.0).reshape(10, 4)], active=[onehot, None],
                       input_labels=words, output_labels=["1", "2", "3", "4"], title="Embedding")
    shown = texts(fig.axes[0])
    assert all(w in shown for w in words) and all(s in shown for s in "1234")
    assert "input (10)" in shown and "output (4)" in shown
    assert fig.axes[0].get_title() == "Embedding"
    hollow = [g for g, p in gids(fig, "neuron").items() if to_rgba(p.get_facecolor())[3] == 0]
    assert sorted(hollow) == sorted(f"neuron:0:{i}" for i in range(10) if words[i] != "hello")
    shown = texts(diagram.network([4, 8, 4], [FFN_W1, FFN_W2], layer_names=["x", "ReLU(x W1 + b1)", "y"]).axes[0])
    assert {"x", "ReLU(x W1 + b1)", "y"} <= set(shown)
    assert [str(i) for i in range(8)] == [t for t in shown if t.isdigit()]   # hidden neurons numbered


@pytest.mark.parametrize("kwargs, words", [
    (dict(layers=[4, 8, 4], weights=[FFN_W1, FFN_W2[:, :3]]),
     ["weights[1]", "(8, 3)", "layers[2] = 4", "(8, 4)"]),
    (dict(layers=[4, 8, 4], weights=[FFN_W1]), ["weights has 1 matrices", "[4, 8, 4]", "needs 2"]),
    (dict(layers=[4, 8], weights=[FFN_W1.T]), ["weights[0]", "(8, 4)", "(4, 8)"]),
    (dict(layers=[4, 8, 4], weights=[FFN_W1, FFN_W2], active=[None, np.ones(7, bool), None]),
     ["active[1]", "(8,)", "(7,)"]),
    (dict(layers=[4, 8, 4], weights=[FFN_W1, FFN_W2], active=[None, np.ones(8), None]),
     ["active[1]", "boolean", "float64"]),
    (dict(layers=[4, 8, 4], weights=[FFN_W1, FFN_W2], active=[None, None]), ["active has 2 entries", "3 layers"]),
    (dict(layers=[4, 8, 4], weights=[FFN_W1, FFN_W2], input_labels=["a", "b", "c"]),
     ["input_labels has 3 labels", "layers[0] = 4"]),
    (dict(layers=[4, 8, 4], weights=[FFN_W1, FFN_W2], output_labels=["a"] * 5),
     ["output_labels has 5 labels", "layers[-1] = 4"]),
    (dict(layers=[4, 8, 4], weights=[FFN_W1, FFN_W2], layer_names=["a", "b"]), ["layer_names has 2", "3 layers"]),
    (dict(layers=[4, 8], weights=[np.full((4, 8), np.inf)]), ["weights[0]", "infinite"]),
    (dict(layers=[4], weights=[]), ["layers", "at least 2"]),
    (dict(layers=[4, 0], weights=[np.zeros((4, 0))]), ["layers", "positive"]),
    (dict(layers=[4, 512], weights=[np.zeros((4, 512))]), ["layers[1] = 512", "too many"]),
])
def test_network_rejects_bad_input_naming_the_argument_and_sizes(kwargs, words):
    with pytest.raises(ValueError) as e:
        diagram.network(kwargs.pop("layers"), kwargs.pop("weights"), **kwargs)
    assert all(w in str(e.value) for w in words), str(e.value)


# ---------------------------------------------------------------- one column function for both stacks

def geometry(fig):
    """{element: (x0, y0, width, height)} in diagram units; positional parts as [⊕, disc] centres."""
    out = {}
    for name, ps in drawn_parts(fig).items():
        if "positional" in name:
            out[name] = [tuple(p.center) for p in ps]
        else:
            (p,) = ps
            out[name] = (p.get_x(), p.get_y(), p.get_width(), p.get_height())
    return out


def moved(box, dx, dy):
    x, y, w, h = box
    return (x + dx, y + dy, w, h)


def test_the_decoder_column_is_the_encoder_column_plus_one_sublayer_group():
    g = geometry(diagram.architecture())
    stack = {s: {n.split("-", 1)[1] for n in g if n.startswith(s + "-")} for s in ("encoder", "decoder")}
    add_norms = {s: sorted(n for n in stack[s] if n.startswith("add-norm")) for s in stack}
    assert add_norms == {"encoder": ["add-norm-1", "add-norm-2"],
                         "decoder": ["add-norm-1", "add-norm-2", "add-norm-3"]}   # one group more
    assert stack["decoder"] - stack["encoder"] == {"masked-self-attention", "cross-attention", "add-norm-3"}
    assert stack["encoder"] - stack["decoder"] == {"self-attention"}
    dx = g["decoder-embedding"][0] - g["encoder-embedding"][0]
    assert dx > 40                                         # the decoder stands to the right
    # Below the cross-attention the two columns match box for box, moved across by dx ...
    for enc, dec in [("embedding", "embedding"), ("self-attention", "masked-self-attention"),
                     ("add-norm-1", "add-norm-1")]:
        assert g[f"decoder-{dec}"] == pytest.approx(moved(g[f"encoder-{enc}"], dx, 0)), enc
    # ... and above it they match again, lifted by the height of the one extra group.
    lift = g["decoder-add-norm-2"][1] - g["decoder-add-norm-1"][1]
    assert lift > g["decoder-cross-attention"][3]
    for enc, dec in [("feed-forward", "feed-forward"), ("add-norm-2", "add-norm-3")]:
        assert g[f"decoder-{dec}"] == pytest.approx(moved(g[f"encoder-{enc}"], dx, lift)), enc
    x, y, w, h = g["encoder-block"]
    assert g["decoder-block"] == pytest.approx((x + dx, y, w, h + lift))
    # Mirrored: the positional-encoding disc sits outside, left of the encoder, right of the decoder.
    (ep, ed), (dp, dd) = g["encoder-positional"], g["decoder-positional"]
    assert ed[0] - ep[0] == pytest.approx(-(dd[0] - dp[0])) and ed[0] < ep[0]
    assert ep[1] == ed[1] == dp[1] == dd[1]


def points(patch):
    """The vertices a patch's path draws through (without CLOSEPOLY's placeholder)."""
    from matplotlib.path import Path
    path = patch.get_path()
    return path.vertices if path.codes is None else path.vertices[path.codes != Path.CLOSEPOLY]


def test_every_add_and_norm_gets_its_residual_from_the_outer_side():
    """Each Add & Norm has one skip connection: it leaves the flow below its sub-layer, runs
    outside the column (left of the encoder, right of the decoder) and enters the Add &
    Norm's outer edge at mid-height."""
    fig = diagram.architecture()
    g = geometry(fig)
    residuals = {p.get_gid()[len("residual:"):]: points(p)
                 for p in fig.axes[0].patches if (p.get_gid() or "").startswith("residual:")}
    norms = {n for n in g if "add-norm" in n}
    assert set(residuals) == norms and len(norms) == 5
    for name in norms:
        x, y, w, h = g[name]
        stack = name.split("-")[0]
        v = residuals[name]
        if stack == "encoder":
            assert v[:, 0].min() < x - 1, name             # out on the left
        else:
            assert v[:, 0].max() > x + w + 1, name         # out on the right
        edge = (x if stack == "encoder" else x + w, y + h / 2)
        assert np.hypot(*(v - edge).T).min() < 0.5, name   # the arrow's tip at the edge's middle
        boxes = [b for n, b in g.items() if n.startswith(stack) and "add-norm" not in n
                 and "block" not in n and "positional" not in n and b[1] + b[3] <= y]
        sublayer_bottom = max(boxes, key=lambda b: b[1])[1]
        assert v[0, 1] < sublayer_bottom, name             # branched off below the sub-layer


# ---------------------------------------------------------------- highlight names

def chapter_highlights():
    """(chapter, highlight) for every architecture(...) call in the chapters' code cells."""
    found = []
    for path in sorted(CHAPTERS.glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "code":
                for m in re.finditer(r"architecture\((?:highlight=)?([^)]*)\)", "".join(cell["source"])):
                    found.append((path.stem, m.group(1)))
    return found


def test_every_chapter_asks_for_a_valid_highlight_that_lights_something():
    calls = chapter_highlights()
    assert len(calls) >= 9                                 # one "you are here" figure per chapter
    for chapter, arg in calls:
        name = arg.strip().strip("\"'")
        assert name in diagram.ARCHITECTURE_PARTS, (chapter, arg)
        assert lit_parts(diagram.architecture(highlight=name)) == EXPECTED[name], chapter


def test_the_docstring_lists_every_highlight_name():
    doc = diagram.architecture.__doc__
    assert all(f'"{name}"' in doc for name in diagram.ARCHITECTURE_PARTS)


# ---------------------------------------------------------------- on a light and a dark page

LAYERS = [4, 8, 4]
FIGURES = {
    "architecture": lambda: diagram.architecture(),
    "architecture encoder": lambda: diagram.architecture("encoder"),
    "architecture attention": lambda: diagram.architecture("attention"),
    "architecture all": lambda: diagram.architecture("all"),
    "network": lambda: diagram.network(LAYERS, [FFN_W1, FFN_W2], title="FFN",
                                       active=[None, np.arange(8) % 3 == 0, None],
                                       input_labels=list("abcd"), output_labels=["w", "x", "y", "z"]),
    "network no states": lambda: diagram.network([4, 6, 3], [np.ones((4, 6)), -np.ones((6, 3))]),
}


@pytest.mark.parametrize("kind", FIGURES)
def test_figures_have_a_transparent_background_in_the_notebook_png(kind):
    fig = FIGURES[kind]()
    assert to_rgba(fig.get_facecolor())[3] == 0
    assert all(to_rgba(ax.get_facecolor())[3] == 0 for ax in fig.axes)
    png = png_rgba(fig)
    assert png.shape[2] == 4
    for corner in (png[0, 0], png[0, -1], png[-1, 0], png[-1, -1]):
        assert corner[3] == 0
    assert (png[..., 3] == 0).mean() > 0.3


@pytest.mark.parametrize("kind", FIGURES)
def test_every_text_reads_on_both_pages(kind):
    """Captions, labels inside boxes (on their fill), neuron labels: ≥ 3:1 on both pages."""
    ratio, text, page = worst_text_contrast(FIGURES[kind]())
    assert ratio >= READABLE, f"{text!r} has contrast {ratio:.2f} on the {page} page"


@pytest.mark.parametrize("highlight", ["encoder", "attention", "all", ()])
def test_arrows_and_outlines_read_on_both_pages(highlight):
    for p in diagram.architecture(highlight).axes[0].patches:
        if p.get_gid() == "part:encoder-block" or p.get_gid() == "part:decoder-block":
            continue                                       # frames: lit or not, see below
        for page, bg in PAGES.items():
            assert contrast(on_page([p.get_edgecolor()], page), bg) >= READABLE, (p.get_gid(), page)


def stand_out(fig, names, page):
    """Contrast with the page of each named part's fill."""
    parts = drawn_parts(fig)
    return [contrast(on_page([parts[n][0].get_facecolor()], page), PAGES[page]) for n in names]


@pytest.mark.parametrize("highlight", ["attention", "output", "positional", "decoder"])
@pytest.mark.parametrize("page", PAGES)
def test_highlighted_parts_stand_out_and_the_others_are_dimmer_on_both_pages(highlight, page):
    fig = diagram.architecture(highlight)
    lit = EXPECTED[highlight]
    boxes = {n for n in ELEMENTS if "block" not in n}
    frames = {"encoder-block", "decoder-block"}
    for group, factor in ((boxes, 1.3), (frames, 1.05)):
        on, off = stand_out(fig, group & lit, page), stand_out(fig, group - lit, page)
        if on and off:
            assert min(on) > factor * max(off), (group, page)
    assert max(stand_out(fig, boxes - lit, page)) < 1.4       # grey parts recede on both pages


def test_network_lines_read_on_both_pages_at_every_weight():
    W = np.linspace(-1, 1, 64).reshape(8, 8)
    lines = gids(diagram.network([8, 8], [W]), "weight")
    assert len(lines) == 64
    for line in lines.values():
        for page, bg in PAGES.items():
            assert contrast(on_page([line.get_color()], page), bg) >= READABLE, (line.get_gid(), page)


def test_network_neuron_states_differ_on_both_pages():
    """Filled (on), faint (no information) and hollow (off) neurons look different on both pages."""
    fig = diagram.network([3, 2], [np.ones((3, 2))], active=[np.array([True, False, True]), None])
    n = gids(fig, "neuron")
    for page, bg in PAGES.items():
        on, off, unknown = (contrast(on_page([n[k].get_facecolor()], page), bg)
                            for k in ("neuron:0:0", "neuron:0:1", "neuron:1:0"))
        assert on > 2.5 and off == 1.0 and 1.0 < unknown < on / 2, page


def test_the_cover_is_transparent_and_drawn_in_the_diagram_colours():
    """images/cover.png (tools/make_cover.py) lets the page show through and uses the
    orange of the highlighted parts, so it reads on the light and the dark title page."""
    import matplotlib.image
    png = matplotlib.image.imread(pathlib.Path(__file__).resolve().parents[1] / "images" / "cover.png")
    assert png.shape[2] == 4
    assert all(png[y, x, 3] == 0 for y in (0, -1) for x in (0, -1))
    assert (png[..., 3] == 0).mean() > 0.3
    opaque = png[png[..., 3] == 1][:, :3]
    orange = to_rgba(diagram.HIGHLIGHT)[:3]
    assert (np.abs(opaque - orange).max(axis=1) < 0.02).mean() > 0.05     # the boxes, lit


# ---------------------------------------------------------------- attention's data flow

def test_attention_flow_draws_one_path_per_key_and_shows_the_numbers():
    scores = np.array([0.5, -0.25, 1.0])
    weights = np.array([0.3, 0.2, 0.5])
    values = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 2.0]])
    output = weights @ values                                  # [1.3, 1.2]
    fig = flow.attention_flow(scores, weights, values, output, ["a", "b", "c"], 2)
    for part in ("key", "score", "weight", "value"):
        assert sorted(gids(fig, part)) == [f"{part}:{j}" for j in range(3)], part
    assert {"query", "sum"} <= {p.get_gid() for p in fig.axes[0].patches}
    texts = [t.get_text() for t in fig.axes[0].texts]
    # each score and weight is written in its box, the query is the one asked for,
    # and the output vector is the weighted sum, to two decimals
    assert {"0.50", "-0.25", "1.00", "0.30", "0.20"} <= set(texts)
    assert "q: c" in texts and "out: c" in texts and "[1.30, 1.20]" in texts


def test_attention_flow_refuses_inputs_that_do_not_fit():
    s, a, V = np.zeros(2), np.full(2, 0.5), np.ones((2, 3))
    with pytest.raises(ValueError, match="weights"):
        flow.attention_flow(s, np.ones(3) / 3, V, a @ V, ["x", "y"], 0)
    with pytest.raises(ValueError, match="values"):
        flow.attention_flow(s, a, np.ones((3, 3)), np.ones(3), ["x", "y"], 0)
    with pytest.raises(ValueError, match="labels"):
        flow.attention_flow(s, a, V, a @ V, ["x"], 0)
    with pytest.raises(ValueError, match="query"):
        flow.attention_flow(s, a, V, a @ V, ["x", "y"], 2)
    with pytest.raises(ValueError, match="finite"):
        flow.attention_flow(np.array([0.0, np.inf]), a, V, a @ V, ["x", "y"], 0)


# ---------------------------------------------------------------- head_axes (chapter 4)

def test_head_axes_draws_every_number_once_per_panel_and_the_bug_mixes_tokens():
    """n = h = 2, d = 3: panel 0 row 0 is hello's head 0 then head 1 (two colours); the
    reshape-only panel's row 0 is head 0 of hello then head 0 of world (one colour)."""
    fig = flow.head_axes(2, 2, 3, words=["hello", "world"])
    cells = gids(fig, "cell")
    assert len(cells) == 4 * 12
    assert {k.split(":")[1] for k in cells} == {"0", "1", "2", "3"}
    colour = {k: tuple(c.get_facecolor()) for k, c in cells.items()}
    assert colour["cell:0:0:0"] != colour["cell:0:0:3"]            # right: two heads in a row
    assert colour["cell:3:0:0"] == colour["cell:3:0:3"]            # bug: one head, two tokens
    assert colour["cell:2:0:0"] == colour["cell:2:1:0"] != colour["cell:2:2:0"]   # (h, n, d)
    letters = [t.get_text() for t in fig.axes[0].texts if len(t.get_text()) == 1]
    assert letters.count("h") == letters.count("w") == 4 * 6


def test_head_axes_rejects_bad_sizes():
    with pytest.raises(ValueError, match="n_heads"):
        flow.head_axes(2, 0, 3)
    with pytest.raises(ValueError, match="words"):
        flow.head_axes(2, 2, 3, words=["hello"])


# ---------------------------------------------------------------- the generation loop

def loop_parts(fig):
    """{gid: patch} and {gid: the text drawn in that patch} for the generation loop."""
    ax = fig.axes[0]
    patches = {p.get_gid(): p for p in ax.patches if p.get_gid() and not p.get_gid().startswith("_")}
    words = {}
    for gid, p in patches.items():
        if hasattr(p, "get_bbox"):
            box = p.get_bbox()
            inside = [t.get_text() for t in ax.texts
                      if box.x0 < t.get_position()[0] < box.x1 and box.y0 < t.get_position()[1] < box.y1]
            words[gid] = inside
    return patches, words


def test_generation_loop_draws_one_row_per_step_with_the_growing_prefix():
    generated = ["mundo", "mundo", "goodbye"]
    fig = flow.generation_loop(["hello", "world"], generated, max_steps=4)
    patches, words = loop_parts(fig)
    # the encoder and the memory once; one decoder and one output per step
    assert [g for g in patches if g in ("encoder", "memory")] == ["encoder", "memory"]
    assert sorted(g for g in patches if g.startswith("decoder:")) == ["decoder:0", "decoder:1", "decoder:2"]
    for t in range(3):
        prefix = sorted((g for g in patches if g.startswith(f"prefix:{t}:")), key=lambda g: int(g.split(":")[2]))
        assert [words[g] for g in prefix] == [[w] for w in ["<sos>", *generated[:t]]]   # <sos> y1 … yt
        assert words[f"next:{t}"] == [generated[t]]
        assert coloured(patches[f"next:{t}"].get_facecolor())                             # the new token, lit
        assert not coloured(patches[f"decoder:{t}"].get_facecolor())
    assert "hello world" in texts(fig.axes[0]) and "⋮" not in texts(fig.axes[0])


def test_generation_loop_stops_after_max_steps_and_says_there_is_more():
    fig = flow.generation_loop(["goodbye"], ["adios"] * 10, max_steps=2)
    patches, _ = loop_parts(fig)
    assert sorted(g for g in patches if g.startswith("next:")) == ["next:0", "next:1"]
    assert "⋮" in texts(fig.axes[0])
    assert fig.get_facecolor()[3] == 0                                                  # transparent


@pytest.mark.parametrize("kwargs, words", [
    (dict(source="hello world", generated=["hola"]), ["source", "list"]),
    (dict(source=["hello"], generated=[]), ["at least one", "0"]),
    (dict(source=["hello"], generated=["hola", 3]), ["generated"]),
    (dict(source=["hello"], generated=["hola"], max_steps=0), ["max_steps", "0"]),
])
def test_generation_loop_rejects_bad_input(kwargs, words):
    with pytest.raises(ValueError) as e:
        flow.generation_loop(**kwargs)
    assert all(w in str(e.value) for w in words)


# ---------------------------------------------------------------- heads → Concat → W_O (chapter 4)

def test_heads_to_output_draws_every_grid_with_its_shape_and_head_colours():
    fig = flow.heads_to_output(2, 2, 3, 4, words=["hello", "world"])
    cells = gids(fig, "cell")
    sizes = {"x": 8, "head0": 6, "head1": 6, "concat": 12, "w_o": 24, "out": 8}
    for grid, size in sizes.items():
        assert sum(k.split(":")[1] == grid for k in cells) == size, grid
    colour = {k: tuple(c.get_facecolor()) for k, c in cells.items()}
    # Concat: head 0's three columns, then head 1's; W_O's rows in the same colours
    assert colour["cell:concat:0:0"] == colour["cell:head0:0:0"] == colour["cell:w_o:2:3"]
    assert colour["cell:concat:1:3"] == colour["cell:head1:1:2"] == colour["cell:w_o:3:0"]
    assert colour["cell:head0:0:0"] != colour["cell:head1:0:0"]
    shapes = {t.get_gid(): t.get_text() for t in fig.axes[0].texts if t.get_gid()}
    assert shapes["shape:concat"] == "Concat (2×6)" and shapes["shape:w_o"].endswith("(6×4)")
    assert shapes["shape:out"] == "output (2×4)" and shapes["shape:head1"] == "head 1 (2×3)"
    ratio, text, page = worst_text_contrast(fig)
    assert ratio >= READABLE, f"{text!r} has contrast {ratio:.2f} on the {page} page"
    png = png_rgba(fig)
    assert png[0, 0, 3] == 0 and (png[..., 3] == 0).mean() > 0.3        # transparent


def test_heads_to_output_rejects_bad_sizes():
    with pytest.raises(ValueError, match="n_heads"):
        flow.heads_to_output(2, 0, 3, 4)
    with pytest.raises(ValueError, match="words"):
        flow.heads_to_output(2, 2, 3, 4, words=["hello"])
