"""mathlib.plot: lazy import, labelled heatmaps, the architecture diagram, curves, bars.

Figures are inspected through matplotlib's objects (tick labels, texts, patch
colours), drawn with the Agg backend. One slow test executes a small notebook
to check that a returned figure is shown exactly once.
"""
import io
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from mathlib import plot  # noqa: E402

# The architecture's elements and, for each name of ARCHITECTURE_PARTS, the
# elements it must light up, written out here from PLOT_API (not read from plot).
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


@pytest.fixture(autouse=True)
def no_open_figures():
    """Every plot function closes its figure in pyplot; nothing is left open."""
    plt.close("all")
    yield
    assert plt.get_fignums() == []


def coloured(rgba):
    """True for a chromatic colour (orange), False for white or any grey."""
    r, g, b, _ = rgba
    return max(r, g, b) - min(r, g, b) > 0.1


def texts(ax):
    return [t.get_text() for t in ax.texts]


# ---------------------------------------------------------------- import

def test_import_does_not_load_matplotlib():
    code = "import sys, mathlib, mathlib.plot; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------- heatmap

def test_heatmap_has_token_tick_labels_and_a_colour_bar():
    fig = plot.heatmap([[0.7, 0.3], [0.45, 0.55]], ["hello", "world"], ["<sos>", "hola"],
                       xlabel="key", ylabel="query", colorbar_label="weight")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["hello", "world"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["<sos>", "hola"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("key", "query")
    bar = ax.images[0].colorbar
    assert bar is not None and bar.ax in fig.axes
    assert bar.ax.get_ylabel() == "weight"


def test_heatmap_without_labels_ticks_every_index():
    ax = plot.heatmap(np.ones((3, 5))).axes[0]
    assert list(ax.get_yticks()) == [0, 1, 2]
    assert list(ax.get_xticks()) == [0, 1, 2, 3, 4]


def test_heatmap_annotations_are_rounded_values():
    M = np.array([[0.123456, 2.5], [-0.5, -0.001]])
    ax = plot.heatmap(M, decimals=2).axes[0]
    assert texts(ax) == ["0.12", "2.50", "−0.50", "0.00"]      # no "−0.00"
    ax = plot.heatmap(M, decimals=1).axes[0]
    assert texts(ax) == ["0.1", "2.5", "−0.5", "0.0"]


def test_heatmap_of_whole_numbers_prints_them_whole():
    ax = plot.heatmap(np.array([[1.0, 2.0], [3.0, 4.0]])).axes[0]
    assert texts(ax) == ["1", "2", "3", "4"]


def test_heatmap_annotates_only_small_matrices_by_default():
    assert len(plot.heatmap(np.zeros((12, 12))).axes[0].texts) == 144
    assert len(plot.heatmap(np.zeros((13, 2))).axes[0].texts) == 0
    assert len(plot.heatmap(np.zeros((2, 2)), annotate=False).axes[0].texts) == 0
    assert len(plot.heatmap(np.zeros((13, 2)), annotate=True).axes[0].texts) == 26


def test_signed_data_get_a_diverging_map_centred_at_zero():
    im = plot.heatmap(np.array([[1.0, -0.5], [3.0, 0.5]])).axes[0].images[0]
    assert im.get_cmap().name == "PuOr"
    assert (im.norm.vmin, im.norm.vmax) == (-3.0, 3.0)
    im = plot.heatmap(np.array([[1.0, -3.0], [2.0, 0.5]])).axes[0].images[0]
    assert (im.norm.vmin, im.norm.vmax) == (-3.0, 3.0)


def test_one_signed_data_get_viridis_over_their_range():
    im = plot.heatmap(np.array([[0.2, 0.9], [0.4, 0.1]])).axes[0].images[0]
    assert im.get_cmap().name == "viridis"
    assert (im.norm.vmin, im.norm.vmax) == (0.1, 0.9)


def test_explicit_cmap_and_limits_win():
    im = plot.heatmap(np.array([[1.0, -3.0]]), cmap="cividis", vmin=-5, vmax=5).axes[0].images[0]
    assert im.get_cmap().name == "cividis"
    assert (im.norm.vmin, im.norm.vmax) == (-5, 5)


def test_masked_scores_show_minus_infinity():
    ax = plot.heatmap(np.array([[1.25, -np.inf], [0.5, -2.0]])).axes[0]
    assert texts(ax) == ["1.25", "−∞", "0.50", "−2.00"]
    im = ax.images[0]
    assert (im.norm.vmin, im.norm.vmax) == (-2.0, 2.0)


@pytest.mark.parametrize("M, words", [
    (np.zeros(4), ["M", "2-D", "(4,)"]),
    (np.zeros((2, 2, 2)), ["M", "2-D", "(2, 2, 2)"]),
    (np.array([[1.0, np.nan]]), ["M", "NaN"]),
    (np.array([["a", "b"]]), ["M", "numeric"]),
])
def test_heatmap_rejects_bad_matrices(M, words):
    with pytest.raises(ValueError) as e:
        plot.heatmap(M)
    assert all(w in str(e.value) for w in words)


def test_heatmap_label_counts_must_match_the_shape():
    M = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"row_labels has 3 labels but M \(shape \(2, 3\)\) has 2 rows"):
        plot.heatmap(M, ["a", "b", "c"], ["x", "y", "z"])
    with pytest.raises(ValueError, match=r"col_labels has 2 labels but M \(shape \(2, 3\)\) has 3 columns"):
        plot.heatmap(M, ["a", "b"], ["x", "y"])
    with pytest.raises(ValueError, match="one string"):
        plot.heatmap(M, "ab")


def test_vectors_is_an_annotated_heatmap_of_rows():
    fig = plot.vectors([[1, 2, 3, 4], [2, 3, 4, 5]], ["hello", "world"], title="E")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["hello", "world"]
    assert texts(ax) == ["1", "2", "3", "4", "2", "3", "4", "5"]
    assert ax.get_title() == "E" and ax.images[0].colorbar is not None
    one = plot.vectors(np.array([0.5, 0.25]), ["hello"]).axes[0]
    assert texts(one) == ["0.50", "0.25"]
    with pytest.raises(ValueError, match=r"row_labels has 1 labels but rows \(shape \(2, 4\)\) has 2"):
        plot.vectors(np.zeros((2, 4)), ["hello"])


# ---------------------------------------------------------------- heatmaps

def panels(fig):
    """The heatmap axes of a heatmaps figure (those holding an image), left to right."""
    return [ax for ax in fig.axes if ax.images and (ax.images[0].get_gid() or "").startswith("heatmap:")]


def colour_bars(fig):
    return [ax for ax in fig.axes if ax not in panels(fig)]


def test_heatmaps_share_one_colour_scale_and_one_colour_bar():
    head0 = np.array([[0.2, 0.8], [0.6, 0.4]])
    head1 = np.array([[0.9, 0.1], [0.3, 0.7]])
    fig = plot.heatmaps([head0, head1], ["Head 0", "Head 1"], ["hello", "world"], ["hello", "world"],
                        colorbar_label="attention weight")
    axes = panels(fig)
    assert len(axes) == 2 and len(fig.axes) == 3
    assert [ax.get_title() for ax in axes] == ["Head 0", "Head 1"]
    # one range over both matrices: 0.1 … 0.9, not 0.2 … 0.8 for head 0 alone
    assert [(ax.images[0].norm.vmin, ax.images[0].norm.vmax) for ax in axes] == [(0.1, 0.9)] * 2
    assert {ax.images[0].get_cmap().name for ax in axes} == {"viridis"}
    (bar,) = colour_bars(fig)
    assert bar.get_ylabel() == "attention weight"
    assert axes[0].images[0].colorbar.ax is bar
    assert tuple(bar.get_ylim()) == (0.1, 0.9)
    assert texts(axes[0]) == ["0.20", "0.80", "0.60", "0.40"]
    assert texts(axes[1]) == ["0.90", "0.10", "0.30", "0.70"]


def test_heatmaps_signed_values_get_one_diverging_scale_centred_at_zero():
    fig = plot.heatmaps([np.array([[1.0, 2.0]]), np.array([[-4.0, 0.5]])], ["before", "after"])
    for ax in panels(fig):
        im = ax.images[0]
        assert im.get_cmap().name == "PuOr" and (im.norm.vmin, im.norm.vmax) == (-4.0, 4.0)
    assert texts(panels(fig)[0]) == ["1.00", "2.00"]          # not whole: the other matrix has 0.5
    fig = plot.heatmaps([np.ones((2, 2)), np.zeros((2, 2))], ["a", "b"], vmin=-1, vmax=3, cmap="cividis")
    for ax in panels(fig):
        im = ax.images[0]
        assert im.get_cmap().name == "cividis" and (im.norm.vmin, im.norm.vmax) == (-1, 3)
    assert texts(panels(fig)[1]) == ["0", "0", "0", "0"]


def test_heatmaps_label_rows_once_and_columns_under_every_panel():
    fig = plot.heatmaps([np.eye(2), np.eye(2)], ["a", "b"], ["hello", "world"], ["<sos>", "hola"],
                        xlabel="key", ylabel="query", suptitle="Two heads")
    left, right = panels(fig)
    assert [t.get_text() for t in left.get_yticklabels()] == ["hello", "world"]
    assert left.yaxis.get_tick_params()["labelleft"] and not right.yaxis.get_tick_params()["labelleft"]
    for ax in (left, right):
        assert [t.get_text() for t in ax.get_xticklabels()] == ["<sos>", "hola"] and ax.get_xlabel() == "key"
    assert (left.get_ylabel(), right.get_ylabel()) == ("query", "")
    assert fig.get_suptitle() == "Two heads"


def test_heatmaps_reject_bad_input():
    M = np.zeros((2, 2))
    with pytest.raises(ValueError, match=r"titles has 1 titles but matrices has 2 matrices"):
        plot.heatmaps([M, M], ["only one"])
    with pytest.raises(ValueError, match="titles must be a sequence of 2 strings"):
        plot.heatmaps([M, M], "ab")
    with pytest.raises(ValueError, match="titles must be a sequence of 2 strings"):
        plot.heatmaps([M, M], None)
    with pytest.raises(ValueError, match=r"row_labels has 2 labels but matrices\[1\] \(shape \(3, 2\)\) has 3 rows"):
        plot.heatmaps([M, np.zeros((3, 2))], ["a", "b"], ["x", "y"])
    with pytest.raises(ValueError, match=r"col_labels has 3 labels but matrices\[0\] \(shape \(2, 2\)\) has 2 columns"):
        plot.heatmaps([M, M], ["a", "b"], col_labels=["x", "y", "z"])
    with pytest.raises(ValueError, match=r"matrices\[1\] contains 1 NaN"):
        plot.heatmaps([M, np.array([[0.0, np.nan]])], ["a", "b"])
    with pytest.raises(ValueError, match=r"matrices\[0\] must be 2-D .* \(4,\)"):
        plot.heatmaps([np.zeros(4)], ["a"])
    with pytest.raises(ValueError, match=r"one array of shape \(2, 2\)"):
        plot.heatmaps(M, ["a", "b"])
    with pytest.raises(ValueError, match="empty"):
        plot.heatmaps([], [])


# ---------------------------------------------------------------- network

def gids(fig, prefix):
    """{gid: artist} for the artists (lines and patches) of the network axes with a gid prefix:…"""
    ax = fig.axes[0]
    return {a.get_gid(): a for a in list(ax.lines) + list(ax.patches)
            if (a.get_gid() or "").startswith(prefix + ":")}


FFN_W1 = np.arange(-16, 16, dtype=float).reshape(4, 8) / 8      # -2 … 1.875, one zero at (2, 0)
FFN_W2 = np.linspace(1, -1, 32).reshape(8, 4)


def test_network_draws_every_connection_and_every_neuron():
    fig = plot.network([4, 8, 4], [FFN_W1, FFN_W2])
    lines, neurons = gids(fig, "weight"), gids(fig, "neuron")
    assert len(lines) == 4 * 8 + 8 * 4
    assert set(lines) == ({f"weight:0:{i}:{j}" for i in range(4) for j in range(8)}
                          | {f"weight:1:{i}:{j}" for i in range(8) for j in range(4)})
    assert set(neurons) == {f"neuron:{l}:{i}" for l, n in enumerate([4, 8, 4]) for i in range(n)}
    # each line runs from its neuron to the next layer's neuron: same heights as the circles
    for (l, i, j) in [(0, 0, 0), (0, 3, 7), (1, 5, 2)]:
        y = lines[f"weight:{l}:{i}:{j}"].get_ydata()
        assert (y[0], y[1]) == (neurons[f"neuron:{l}:{i}"].center[1], neurons[f"neuron:{l + 1}:{j}"].center[1])
    assert len(gids(plot.network([10, 4], [np.ones((10, 4))]), "weight")) == 40
    assert len(gids(plot.network([10, 4], [np.ones((10, 4))]), "neuron")) == 14


def test_network_colour_and_width_show_sign_and_size():
    fig = plot.network([4, 8, 4], [FFN_W1, FFN_W2])
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
    fig = plot.network([4, 8, 4], [FFN_W1, FFN_W2], active=[None, hidden_on, None])
    neurons, lines = gids(fig, "neuron"), gids(fig, "weight")
    for i, on in enumerate(hidden_on):
        face = to_rgba(neurons[f"neuron:1:{i}"].get_facecolor())
        assert (face[3] == 0) == (not on)                  # hollow exactly when off
        if on:
            assert max(face[:3]) < 0.5                     # on: filled dark
        for j in range(4):                                 # outgoing lines faded exactly when off
            alpha = lines[f"weight:1:{i}:{j}"].get_alpha()
            assert (alpha < 0.5) if not on else (alpha is None or alpha == 1)
        for k in range(4):                                 # incoming lines are not faded
            assert lines[f"weight:0:{k}:{i}"].get_alpha() in (None, 1)
    for i in range(4):                                     # None: all drawn filled
        assert to_rgba(neurons[f"neuron:0:{i}"].get_facecolor())[3] == 1


def test_network_labels_neurons_and_layers():
    words = ["<pad>", "<sos>", "<eos>", "hello", "world", "goodbye", "hola", "mundo", "adios", "!"]
    onehot = np.array(words) == "hello"
    fig = plot.network([10, 4], [np.arange(40.0).reshape(10, 4)], active=[onehot, None],
                       input_labels=words, output_labels=["1", "2", "3", "4"], title="Embedding")
    shown = texts(fig.axes[0])
    assert all(w in shown for w in words) and all(s in shown for s in "1234")
    assert "input (10)" in shown and "output (4)" in shown
    assert fig.axes[0].get_title() == "Embedding"
    hollow = [g for g, p in gids(fig, "neuron").items() if to_rgba(p.get_facecolor())[3] == 0]
    assert sorted(hollow) == sorted(f"neuron:0:{i}" for i in range(10) if words[i] != "hello")
    shown = texts(plot.network([4, 8, 4], [FFN_W1, FFN_W2], layer_names=["x", "ReLU(x W1 + b1)", "y"]).axes[0])
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
        plot.network(kwargs.pop("layers"), kwargs.pop("weights"), **kwargs)
    assert all(w in str(e.value) for w in words), str(e.value)


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
    fig = plot.architecture()
    parts = drawn_parts(fig)
    assert set(parts) == ELEMENTS
    assert lit_parts(fig) == set()
    assert set(plot.ARCHITECTURE_PARTS) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_architecture_highlights_exactly_the_named_part(name):
    assert lit_parts(plot.architecture(highlight=name)) == EXPECTED[name]


def test_architecture_highlights_several_parts():
    fig = plot.architecture(highlight=["masked-self-attention", "cross-attention"])
    assert lit_parts(fig) == {"decoder-masked-self-attention", "decoder-cross-attention"}


def test_architecture_all_lights_every_patch():
    fig = plot.architecture("all")
    assert all(coloured(p.get_facecolor()) for ps in drawn_parts(fig).values() for p in ps)


def test_architecture_unknown_part_lists_the_valid_names():
    with pytest.raises(ValueError) as e:
        plot.architecture(highlight=["attention", "atention"])
    message = str(e.value)
    assert "atention" in message
    assert all(name in message for name in EXPECTED)


def test_architecture_labels_sit_inside_their_boxes_and_boxes_do_not_overlap():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    fig = plot.architecture("all")
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
    words = " ".join(t.get_text() for t in plot.architecture().axes[0].texts)
    for w in ["N×", "×N", "Inputs", "Outputs (shifted right)", "Output Probabilities", "Positional",
              "Masked Multi-Head", "Cross-Attention", "Feed Forward", "Add & Norm", "Linear", "Softmax"]:
        assert w in words


# ---------------------------------------------------------------- curves

def the_legend(fig):
    """The one legend of a figure, whether it belongs to the figure or to its axes."""
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    assert len(legends) == 1
    return legends[0]


def extents(fig, *artists):
    """Window extents (pixels) of the artists after drawing the figure as the notebook does."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    return [a.get_window_extent(renderer) for a in artists]


def test_curves_one_line_per_series_with_a_legend():
    fig = plot.curves({"with residual": [1.0, 1.5, 2.0], "without": ([0, 2, 4], [1.0, 10.0, 100.0])},
                      xlabel="layer", ylabel="norm", logy=True)
    ax = fig.axes[0]
    lines = ax.get_lines()
    assert len(lines) == 2
    assert [t.get_text() for t in the_legend(fig).get_texts()] == ["with residual", "without"]
    assert list(lines[0].get_xdata()) == [0, 1, 2]
    assert list(lines[1].get_xdata()) == [0, 2, 4]
    assert to_rgba(lines[0].get_color()) != to_rgba(lines[1].get_color())
    assert lines[0].get_linestyle() != lines[1].get_linestyle()
    assert ax.get_yscale() == "log"


# Lines that fill the whole axes: any legend inside would sit on top of them.
WAVES = {f"dimension {2 * i} (pair {i})": np.sin(np.arange(64) / 10 ** (i / 2)) for i in range(4)}
SHORT = {"a": np.linspace(-1, 1, 50), "b": np.linspace(1, -1, 50), "c": np.zeros(50)}


@pytest.mark.parametrize("series, figsize, where", [
    (WAVES, None, "below"),                # long labels for a 6-inch figure: below the axes
    (SHORT, None, "right"),                # short labels: to the right of the axes
    (SHORT, (4.6, 4.6), "right"),
    ({"pair 0, positions 0..6": SHORT["a"], "pair 1": SHORT["b"]}, (4.6, 4.6), "below"),   # narrow figure
])
def test_curves_legend_sits_outside_the_axes_by_default(series, figsize, where):
    fig = plot.curves(series, xlabel="position", ylabel="value", figsize=figsize)
    ax = fig.axes[0]
    legend, data = extents(fig, the_legend(fig), ax)       # ax's extent is its data area (the frame)
    assert not legend.overlaps(data)
    if where == "below":
        assert legend.y1 <= data.y0
    else:
        assert legend.x0 >= data.x1
    fig_box = fig.bbox                                     # and it is on the figure, not cut off
    assert fig_box.x0 <= legend.x0 and legend.x1 <= fig_box.x1 + 1
    assert fig_box.y0 <= legend.y0 and legend.y1 <= fig_box.y1 + 1


def test_curves_legend_loc_overrides_the_place():
    fig = plot.curves(SHORT, legend_loc="upper left")
    legend, data = extents(fig, the_legend(fig), fig.axes[0])
    assert fig.axes[0].get_legend() is not None
    assert data.x0 <= legend.x0 and legend.x1 <= data.x1 and data.y0 <= legend.y0 and legend.y1 <= data.y1
    fig = plot.curves(SHORT, legend_loc="outside lower center")
    legend, data = extents(fig, the_legend(fig), fig.axes[0])
    assert legend.y1 <= data.y0
    fig = plot.curves(SHORT, legend_loc="none")
    assert not fig.legends and fig.axes[0].get_legend() is None
    with pytest.raises(ValueError, match="legend_loc"):
        plot.curves(SHORT, legend_loc="somewhere")
    with pytest.raises(ValueError, match="legend_loc 'outside middle'"):
        plot.curves(SHORT, legend_loc="outside middle")


def pieces(line):
    """The runs of connected points of a drawn line, as lists of (x, y)."""
    from matplotlib.path import Path
    runs = []
    for (x, y), code in line.get_path().cleaned(remove_nans=True).iter_segments(simplify=False):
        if code == Path.MOVETO:
            runs.append([])
        if code in (Path.MOVETO, Path.LINETO):
            runs[-1].append((float(x), float(y)))
    return runs


def test_curves_draw_nan_and_inf_as_gaps():
    y = np.array([1.0, 2.0, np.nan, 4.0, np.inf, 6.0, 7.0])
    fig = plot.curves({"a": y, "b": ([0.0, 1.0, 2.0], [-np.inf, 1.0, 1.0])})
    ax = fig.axes[0]
    a, b = ax.get_lines()
    assert pieces(a) == [[(0, 1), (1, 2)], [(3, 4)], [(5, 6), (6, 7)]]
    assert pieces(b) == [[(1, 1), (2, 1)]]
    assert all(np.isfinite(ax.get_ylim())) and ax.get_ylim()[1] < 10
    assert not [line for line in ax.get_lines() if (line.get_gid() or "").startswith("gap:")]


def test_curves_mark_the_last_finite_point_before_each_gap():
    y = np.array([1.0, 2.0, np.nan, 4.0, np.inf, 6.0, 7.0])
    fig = plot.curves({"a": y, "b": [1.0, 1.0]}, mark_gaps=True)
    marks = [line for line in fig.axes[0].get_lines() if (line.get_gid() or "").startswith("gap:")]
    assert len(marks) == 1 and marks[0].get_gid() == "gap:a" and marks[0].get_marker() == "x"
    assert list(marks[0].get_xdata()) == [1, 3] and list(marks[0].get_ydata()) == [2.0, 4.0]
    assert [t.get_text() for t in the_legend(fig).get_texts()] == ["a", "b"]


def test_curves_aspect_equal():
    assert plot.curves(SHORT, aspect_equal=True).axes[0].get_aspect() == 1.0
    assert plot.curves(SHORT).axes[0].get_aspect() == "auto"


def test_curves_reject_bad_series():
    with pytest.raises(ValueError, match="non-empty dict"):
        plot.curves({})
    with pytest.raises(ValueError, match="x has 3 values but y has 2"):
        plot.curves({"a": ([0, 1, 2], [1.0, 2.0])})
    with pytest.raises(ValueError, match="1-D"):
        plot.curves({"a": np.zeros((2, 2))})
    with pytest.raises(ValueError, match="positive"):
        plot.curves({"a": [1.0, 0.0, np.nan]}, logy=True)
    with pytest.raises(ValueError, match=r"series\['a'\] has no finite point"):
        plot.curves({"a": [np.nan, np.inf]})
    with pytest.raises(ValueError, match="numeric"):
        plot.curves({"a": ["x", "y"]})
    plot.curves({"a": [1.0, np.nan, 10.0]}, logy=True)      # NaN is a gap, not an error, on a log axis too


# ---------------------------------------------------------------- bars

def bar_patches(fig):
    return [p for p in fig.axes[0].patches if (p.get_gid() or "").startswith("bar:")]


@pytest.mark.parametrize("highlight", ["hola", 2, np.int64(2)])
def test_bars_highlight_the_chosen_bar(highlight):
    values = [0.1, 0.2, 0.6, 0.1]
    fig = plot.bars(values, ["<eos>", "hello", "hola", "mundo"], highlight=highlight, ylabel="p")
    bars = bar_patches(fig)
    assert [p.get_height() for p in bars] == values
    assert [coloured(p.get_facecolor()) for p in bars] == [False, False, True, False]
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["<eos>", "hello", "hola", "mundo"]
    assert [t.get_text() for t in fig.axes[0].texts] == ["0.10", "0.20", "0.60", "0.10"]


def test_bars_without_highlight_are_all_grey():
    assert not any(coloured(p.get_facecolor()) for p in bar_patches(plot.bars([1, 2], ["a", "b"])))


def test_bars_reject_bad_input():
    with pytest.raises(ValueError, match=r"labels has 1 labels but values \(shape \(2,\)\) has 2"):
        plot.bars([1, 2], ["a"])
    with pytest.raises(ValueError, match="one of the labels"):
        plot.bars([1, 2], ["a", "b"], highlight="c")
    with pytest.raises(ValueError, match="outside 0 … 1"):
        plot.bars([1, 2], ["a", "b"], highlight=2)
    with pytest.raises(ValueError, match="1-D"):
        plot.bars([[1, 2]], ["a", "b"])


# ---------------------------------------------------------------- in a notebook

@pytest.mark.slow
def test_a_returned_figure_shows_once_in_a_notebook_and_an_assigned_one_not_at_all():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    cells = [
        "from mathlib import plot",
        'plot.heatmap([[0.7, 0.3], [0.45, 0.55]], ["hello", "world"], ["hello", "world"])',
        'fig = plot.heatmap([[0.7, 0.3], [0.45, 0.55]], ["hello", "world"], ["hello", "world"])',
        'plot.architecture("attention")',
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nbclient.NotebookClient(nb, kernel_name="python3", timeout=120).execute()
    outs = [c.outputs for c in nb.cells]
    assert outs[0] == [] and outs[2] == []
    for out in (outs[1], outs[3]):
        assert len(out) == 1 and out[0].output_type == "execute_result"
        assert "image/png" in out[0].data
    # The same figure rendered here, as the inline backend does, gives the same bytes.
    fig = plot.heatmap([[0.7, 0.3], [0.45, 0.55]], ["hello", "world"], ["hello", "world"])
    buf = io.BytesIO()
    fig.canvas.print_figure(buf, format="png", bbox_inches="tight", dpi=fig.dpi,
                            facecolor=fig.get_facecolor(), edgecolor=fig.get_edgecolor())
    import base64
    assert base64.b64decode(outs[1][0].data["image/png"]) == buf.getvalue()
