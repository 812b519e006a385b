"""mathlib.plot: lazy import, labelled heatmaps, curves, bars, and figures that read on a
light and a dark page.

Figures are inspected through matplotlib's objects (tick labels, texts, patch
colours), drawn with the Agg backend; the colour checks use the WCAG formulas
worked out in figure_colours.py. One slow test executes a small notebook to check
that a returned figure is shown exactly once, with a transparent background.
"""
import base64
import io
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.image  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402,F401  (pyplot with the Agg backend, as the modules use it)
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from figure_colours import (PAGES, READABLE, coloured, contrast, on_page, png_rgba, texts,  # noqa: E402
                            worst_text_contrast)
from mathlib import plot  # noqa: E402


pytestmark = pytest.mark.usefixtures("no_open_figures")    # tests/conftest.py



# ---------------------------------------------------------------- import

@pytest.mark.parametrize("modules", ["mathlib", "mathlib, mathlib.page.plot, mathlib.page.diagram"])
def test_import_does_not_load_matplotlib(modules):
    code = f"import sys, {modules}; print('matplotlib' in sys.modules, 'IPython' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


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


# ---------------------------------------------------------------- on a light and a dark page

VOCAB = ["<pad>", "<sos>", "<eos>", "hello", "world", "goodbye", "hola", "mundo", "adios", "!"]
GRADIENT = np.linspace(0.0, 1.0, 144).reshape(12, 12)          # every colour of the map, annotated
FIGURES = {
    "heatmap": lambda: plot.heatmap(GRADIENT, title="t", xlabel="key", ylabel="query", colorbar_label="w"),
    "heatmap signed": lambda: plot.heatmap(GRADIENT - 0.5, colorbar_label="value"),
    "heatmap cividis": lambda: plot.heatmap(GRADIENT, cmap="cividis"),
    "heatmap masked": lambda: plot.heatmap(np.array([[1.25, -np.inf], [0.5, -2.0]]), ["a", "b"], ["c", "d"]),
    "heatmaps": lambda: plot.heatmaps([GRADIENT[:4, :4], GRADIENT[8:, 8:]], ["Head 0", "Head 1"],
                                      suptitle="Two heads", xlabel="key", ylabel="query",
                                      colorbar_label="weight"),
    "vectors": lambda: plot.vectors([[1, 2, 3, 4], [2, 3, 4, 5]], ["hello", "world"], title="E"),
    "curves": lambda: plot.curves({f"series {i}": np.arange(8.0) + i for i in range(6)}, title="t",
                                  xlabel="x", ylabel="y"),
    "curves inside legend": lambda: plot.curves({"a": [1.0, 2.0]}, legend_loc="upper left"),
    "bars": lambda: plot.bars(np.linspace(-0.5, 1, 10), VOCAB, highlight="hello", title="t", ylabel="p"),
}


@pytest.mark.parametrize("kind", FIGURES)
def test_figures_have_a_transparent_background_in_the_notebook_png(kind):
    fig = FIGURES[kind]()
    assert to_rgba(fig.get_facecolor())[3] == 0
    assert all(to_rgba(ax.get_facecolor())[3] == 0 for ax in fig.axes)     # no white plot area
    png = png_rgba(fig)                                # what the inline backend stores
    assert png.shape[2] == 4, "the PNG has no alpha channel"
    for corner in (png[0, 0], png[0, -1], png[-1, 0], png[-1, -1]):
        assert corner[3] == 0
    assert (png[..., 3] == 0).mean() > 0.2            # the page shows through, not only at the corners


@pytest.mark.parametrize("kind", FIGURES)
def test_every_text_reads_on_both_pages(kind):
    """Tick labels, titles, legends, value labels: at least 3:1 against what lies under them
    (the page, or the cell or bar they sit on), on the white and on the #222 page."""
    ratio, text, page = worst_text_contrast(FIGURES[kind]())
    assert ratio >= READABLE, f"{text!r} has contrast {ratio:.2f} on the {page} page"


@pytest.mark.parametrize("kind", ["curves", "bars", "heatmap"])
def test_lines_and_frames_read_on_both_pages(kind):
    """The data lines of curves, the spines and tick marks: at least 3:1 on both pages."""
    fig = FIGURES[kind]()
    ax = fig.axes[0]
    marks = [line.get_color() for line in ax.get_lines() if line not in ax.get_xgridlines() + ax.get_ygridlines()]
    marks += [s.get_edgecolor() for s in ax.spines.values() if s.get_visible()]
    marks += [t.tick1line.get_color() for t in ax.xaxis.get_major_ticks()]
    assert marks
    for colour in marks:
        for page in PAGES:
            bg = PAGES[page]
            assert contrast(on_page([colour], page), bg) >= READABLE, (colour, page)


def test_curves_give_each_series_a_readable_colour_of_its_own():
    lines = plot.curves({f"s{i}": [0.0, float(i)] for i in range(6)}).axes[0].get_lines()
    colours = [to_rgba(line.get_color()) for line in lines]
    assert len(set(colours)) == 6
    for c in colours:
        assert min(contrast(c[:3], bg) for bg in PAGES.values()) >= READABLE, c


def test_a_highlighted_bar_stands_out_from_the_others_on_both_pages():
    bars = bar_patches(plot.bars([1, 2, 3], ["a", "b", "c"], highlight=1))
    for page, bg in PAGES.items():
        plain = [contrast(on_page([b.get_facecolor()], page), bg) for b in (bars[0], bars[2])]
        lit = contrast(on_page([bars[1].get_facecolor()], page), bg)
        assert lit > 1.5 * max(plain), page
        for b in bars:                                 # every bar's outline is readable
            assert contrast(on_page([b.get_edgecolor()], page), bg) >= READABLE


# ---------------------------------------------------------------- in a notebook

@pytest.mark.slow
def test_a_returned_figure_shows_once_in_a_notebook_and_an_assigned_one_not_at_all():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    cells = [
        "from mathlib import diagram, plot",
        'plot.heatmap([[0.7, 0.3], [0.45, 0.55]], ["hello", "world"], ["hello", "world"])',
        'fig = plot.heatmap([[0.7, 0.3], [0.45, 0.55]], ["hello", "world"], ["hello", "world"])',
        'diagram.architecture("attention")',
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nbclient.NotebookClient(nb, kernel_name="python3", timeout=120).execute()
    outs = [c.outputs for c in nb.cells]
    assert outs[0] == [] and outs[2] == []
    for out in (outs[1], outs[3]):
        assert len(out) == 1 and out[0].output_type == "execute_result"
        assert "image/png" in out[0].data
        png = matplotlib.image.imread(io.BytesIO(base64.b64decode(out[0].data["image/png"])))
        assert png.shape[2] == 4 and png[0, 0, 3] == 0 and png[-1, -1, 3] == 0   # transparent
        # Shown by the display formatter, not by the inline backend's show(): no
        # needs_background tag, so JupyterLab puts no card behind it in either theme.
        assert "needs_background" not in out[0].metadata
    # The same figure rendered here, as the inline backend does, gives the same bytes.
    fig = plot.heatmap([[0.7, 0.3], [0.45, 0.55]], ["hello", "world"], ["hello", "world"])
    buf = io.BytesIO()
    fig.canvas.print_figure(buf, format="png", bbox_inches="tight", dpi=fig.dpi,
                            facecolor=fig.get_facecolor(), edgecolor=fig.get_edgecolor())
    assert base64.b64decode(outs[1][0].data["image/png"]) == buf.getvalue()

