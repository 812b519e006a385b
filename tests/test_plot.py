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

def test_curves_one_line_per_series_with_a_legend():
    fig = plot.curves({"with residual": [1.0, 1.5, 2.0], "without": ([0, 2, 4], [1.0, 10.0, 100.0])},
                      xlabel="layer", ylabel="norm", logy=True)
    ax = fig.axes[0]
    lines = ax.get_lines()
    assert len(lines) == 2
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["with residual", "without"]
    assert list(lines[0].get_xdata()) == [0, 1, 2]
    assert list(lines[1].get_xdata()) == [0, 2, 4]
    assert to_rgba(lines[0].get_color()) != to_rgba(lines[1].get_color())
    assert lines[0].get_linestyle() != lines[1].get_linestyle()
    assert ax.get_yscale() == "log"


def test_curves_reject_bad_series():
    with pytest.raises(ValueError, match="non-empty dict"):
        plot.curves({})
    with pytest.raises(ValueError, match="x has 3 values but y has 2"):
        plot.curves({"a": ([0, 1, 2], [1.0, 2.0])})
    with pytest.raises(ValueError, match="1-D"):
        plot.curves({"a": np.zeros((2, 2))})
    with pytest.raises(ValueError, match="positive"):
        plot.curves({"a": [1.0, 0.0]}, logy=True)
    with pytest.raises(ValueError, match="non-finite"):
        plot.curves({"a": [1.0, np.nan]})


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
