"""diagram.encoder_block and decoder_block (mathlib/page/blocks.py): one block with its
tensors named and shaped (chapters 7 and 8), readable on a light and a dark page.

Figures are inspected through matplotlib's objects (gids, patch geometry and texts), drawn
with the Agg backend; the colour checks use the WCAG formulas of figure_colours.py.
"""
import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from figure_colours import PAGES, READABLE, contrast, on_page, png_rgba, worst_text_contrast  # noqa: E402
from mathlib import diagram  # noqa: E402


@pytest.fixture(autouse=True)
def no_open_figures():
    plt.close("all")
    yield
    assert plt.get_fignums() == []


def drawn(fig):
    """[(gid, patch or text)] of everything drawn with a gid; a tensor that ends one row and
    starts the next is drawn twice, under one gid."""
    ax = fig.axes[0]
    return [(p.get_gid(), p) for p in ax.patches if p.get_gid()] + \
           [(t.get_gid(), t) for t in ax.texts if t.get_gid()]


def parts(fig):
    """{gid: patch or text}, the lowest one where a gid is drawn twice (a row's input)."""
    out = {}
    for g, p in drawn(fig):
        if g not in out or centre(p)[1] < centre(out[g])[1]:
            out[g] = p
    return out


def box(patch):
    """(x0, y0, x1, y1) of a box, circle or text position, in data units."""
    from matplotlib.patches import Circle
    if isinstance(patch, Circle):
        (x, y), r = patch.center, patch.radius
        return x - r, y - r, x + r, y + r
    if hasattr(patch, "get_bbox"):
        b = patch.get_bbox()
        return b.x0, b.y0, b.x1, b.y1
    x, y = patch.get_position()
    return x, y, x, y


def centre(patch):
    x0, y0, x1, y1 = box(patch)
    return (x0 + x1) / 2, (y0 + y1) / 2


def text_in(fig, patch):
    """The texts drawn inside a box."""
    x0, y0, x1, y1 = box(patch)
    return [t.get_text() for t in fig.axes[0].texts
            if x0 < t.get_position()[0] < x1 and y0 < t.get_position()[1] < y1]


def ends(fig, gid):
    """The first point of an arrow drawn along a path and all its points (the head's too),
    in data units."""
    from matplotlib.path import Path
    path = parts(fig)[gid].get_path()
    v = path.vertices if path.codes is None else path.vertices[path.codes != Path.CLOSEPOLY]
    return tuple(v[0]), v


def shapes(fig):
    return {g: t.get_text() for g, t in drawn(fig) if g.startswith("shape:")}


def shape_labels(fig):
    return [t.get_text() for g, t in drawn(fig) if g.startswith("shape:")]


def flow_of_row(fig, t_in):
    """The gids of the row that starts with tensor t_in, left to right: the input tensor,
    the ops, ⊕, LN, the output tensor."""
    p = parts(fig)
    _, y = centre(p[f"tensor:{t_in}"])
    row = [(g, q) for g, q in drawn(fig) if g.split(":")[0] in ("tensor", "op", "add", "norm")
           and abs(centre(q)[1] - y) < 1e-6]
    return [g for g, q in sorted(row, key=lambda gq: centre(gq[1])[0])]


def test_the_encoder_block_names_its_tensors_in_order():
    fig = diagram.encoder_block()
    assert flow_of_row(fig, "X") == ["tensor:X", "op:self-attention", "add:1", "norm:1", "tensor:X1"]
    assert flow_of_row(fig, "X1") == ["tensor:X1", "op:ffn-1", "op:ffn-2", "add:2", "norm:2",
                                              "tensor:X2"]
    p = parts(fig)
    assert [text_in(fig, p[f"tensor:{t}"]) for t in ("X", "X1", "X2")] == [["X"], ["X₁"], ["X₂"]]
    assert text_in(fig, p["norm:1"]) == ["LN₁"] and text_in(fig, p["norm:2"]) == ["LN₂"]


def test_the_encoder_block_carries_the_shapes_on_its_arrows():
    labels = shape_labels(diagram.encoder_block())
    assert labels.count("(2×4)") == 6                      # in, out of each sub-layer and LN
    assert labels.count("H (2×8)") == 1                    # the FFN's hidden layer
    assert any("(2×6)" in t for t in (x.get_text() for x in diagram.encoder_block().axes[0].texts))
    other = shape_labels(diagram.encoder_block(n=5, d_model=6, d_ff=12))
    assert other.count("(5×6)") == 6 and "H (5×12)" in other


@pytest.mark.parametrize("make, rows", [(diagram.encoder_block, [("X", 1), ("X1", 2)]),
                                        (diagram.decoder_block, [("Y", 1), ("Y1", 2), ("Y2", 3)])])
def test_each_residual_leaves_its_rows_input_and_joins_at_its_add(make, rows):
    fig = make()
    p = parts(fig)
    for t_in, k in rows:
        start, end = ends(fig, f"residual:{k}")
        x0, y0, x1, y1 = box(p[f"tensor:{t_in}"])
        assert start[1] == pytest.approx((y0 + y1) / 2) and x1 <= start[0] < x1 + 2      # just after it
        (cx, cy), r = p[f"add:{k}"].center, p[f"add:{k}"].radius
        assert np.hypot(*(end - (cx, cy + r)).T).min() < 0.3                              # into ⊕, from above


def test_the_decoder_block_names_y_to_y3_and_feeds_the_memory_into_k_and_v():
    fig = diagram.decoder_block()
    assert flow_of_row(fig, "Y") == ["tensor:Y", "op:masked-self-attention", "add:1", "norm:1",
                                             "tensor:Y1"]
    assert flow_of_row(fig, "Y1") == ["tensor:Y1", "op:cross-attention", "add:2", "norm:2",
                                              "tensor:Y2"]
    assert flow_of_row(fig, "Y2") == ["tensor:Y2", "op:ffn-1", "op:ffn-2", "add:3", "norm:3",
                                              "tensor:Y3"]
    p = parts(fig)
    # M enters the cross-attention box from below; it is added to nothing
    start, path = ends(fig, "memory")
    mx0, my0, mx1, my1 = box(p["tensor:M"])
    cx0, cy0, cx1, cy1 = box(p["op:cross-attention"])
    assert mx0 < start[0] < mx1 and start[1] == pytest.approx(my1)
    tip = path[np.argmax(path[:, 1])]
    assert cx0 < tip[0] < cx1 and abs(tip[1] - cy0) < 0.3
    assert shapes(fig)["shape:M->KV"] == "K, V  (2×4)"
    inside = " ".join(text_in(fig, p["op:cross-attention"]))
    assert "(3×2)" in inside and "Q from Y₁" in inside
    assert "(3×3)" in " ".join(text_in(fig, p["op:masked-self-attention"]))
    assert shape_labels(fig).count("(3×4)") == 9 and "H (3×8)" in shape_labels(fig)


def test_other_sizes_change_the_scores_shape():
    fig = diagram.decoder_block(m=5, n=7)
    assert "(5×7)" in " ".join(text_in(fig, parts(fig)["op:cross-attention"]))
    assert shapes(fig)["shape:M->KV"] == "K, V  (7×4)"


@pytest.mark.parametrize("make", [diagram.encoder_block, diagram.decoder_block])
def test_boxes_do_not_overlap_and_stay_in_the_figure(make):
    fig = make()
    boxes = [(g, box(p)) for g, p in drawn(fig) if g.split(":")[0] in ("tensor", "op", "add", "norm")]
    ax = fig.axes[0]
    (xa, xb), (ya, yb) = ax.get_xlim(), ax.get_ylim()
    for g, (x0, y0, x1, y1) in boxes:
        assert xa <= x0 and x1 <= xb and ya <= y0 and y1 <= yb, g
    for (g, a), (h, b) in itertools.combinations(boxes, 2):
        assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (g, h)


@pytest.mark.parametrize("make", [diagram.encoder_block, diagram.decoder_block])
def test_block_figures_are_transparent_and_read_on_both_pages(make):
    fig = make()
    assert to_rgba(fig.get_facecolor())[3] == 0
    png = png_rgba(fig)
    assert png.shape[2] == 4 and png[0, 0, 3] == 0 and (png[..., 3] == 0).mean() > 0.3
    ratio, text, page = worst_text_contrast(make())
    assert ratio >= READABLE, f"{text!r} has contrast {ratio:.2f} on the {page} page"
    for p in make().axes[0].patches:
        for page, bg in PAGES.items():
            assert contrast(on_page([p.get_edgecolor()], page), bg) >= READABLE, (p.get_gid(), page)


@pytest.mark.parametrize("kwargs", [dict(n=0), dict(d_model=2.5), dict(d_ff=True), dict(n_heads="2")])
def test_block_figures_refuse_bad_sizes_naming_them(kwargs):
    name = next(iter(kwargs))
    for make in (diagram.encoder_block, diagram.decoder_block):
        with pytest.raises(ValueError, match=name):
            make(**kwargs)
