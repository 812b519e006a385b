"""One block of the model with its tensors named and shaped: the figures of chapters 7 and 8.

`encoder_block(n, d_model, d_ff)` and `decoder_block(m, n, d_model, d_ff)` draw one
encoder or decoder block left to right, row by row, every arrow carrying the shape of what
flows along it (mathlib.diagram re-exports both). Each returns a closed, transparent
matplotlib Figure readable on a light and a dark page (colours: `mathlib.page._figure`);
matplotlib is imported inside the functions.

| problem                                          | error      |
|--------------------------------------------------|------------|
| a size that is not a whole number from 1 to 9999 | ValueError |
"""
import numpy as np

from ._figure import DARK_TEXT, DIM, HIGHLIGHT, HIGHLIGHT_EDGE, INK, arrow_line, finish, new_figure


# ---------------------------------------------------------------- one block, its tensors named

# Layout of a block's row in diagram units (100 units = 7 inches across); y grows upwards.
_T_W, _ARROW, _OPS_W, _NORM_W, _ADD_R = 6.0, 8.0, 40.0, 8.0, 2.0
_ROW_H, _BOX_H = 15.0, 7.0


def _shape(*dims):
    return "(" + "×".join(str(int(d)) for d in dims) + ")"


def _check_sizes(**sizes):
    for name, v in sizes.items():
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not 1 <= v <= 9999:
            raise ValueError(f"{name} must be a whole number from 1 to 9999, got {v!r}")


def _block_box(ax, gid, x, y, w, text, tensor=False, size=8.5):
    """A rounded box of width w centred on the row line y: orange for a tensor, grey for an
    operation. Returns its right edge."""
    from matplotlib.patches import FancyBboxPatch
    h = 5.0 if tensor else _BOX_H
    ax.add_patch(FancyBboxPatch(
        (x, y - h / 2), w, h, boxstyle="round,pad=0,rounding_size=1.0", gid=gid,
        facecolor=HIGHLIGHT if tensor else DIM, edgecolor=HIGHLIGHT_EDGE if tensor else INK,
        linewidth=1.0, zorder=3))
    ax.text(x + w / 2, y, text, ha="center", va="center", fontsize=10 if tensor else size,
            color=DARK_TEXT if tensor else INK, linespacing=1.15, zorder=4)
    return x + w


def _labelled_arrow(ax, x0, x1, y, label, gid, skip=0.0):
    """An arrow from x0 to x1 with its label centred over the part right of x0 + skip."""
    arrow_line(ax, (x0, y), (x1, y), gid=gid)
    if label:
        ax.text((x0 + skip + x1) / 2, y + 0.7, label, ha="center", va="bottom", fontsize=8,
                color=INK, gid=f"shape:{gid}")


def _block_row(ax, k, y, x_in, t_in, ops, shapes, t_out):
    """One sub-layer with its Add & Norm, left to right, on the line y:
    t_in → ops → ⊕ (+ t_in, the residual from above) → LN_k → t_out.

    t_in, t_out: (gid key, label); ops: [(gid key, label, width, shape on the arrow after
    it)], widths adding up to _OPS_W with the arrows between them; shapes: the shape of
    t_in (on its arrow) and of the sub-layer's output. Returns the x range of the ops.
    """
    from matplotlib.patches import Circle
    x = _block_box(ax, f"tensor:{t_in[0]}", x_in, y, _T_W, t_in[1], tensor=True)
    branch = x + 1.2                                  # where the residual leaves
    _labelled_arrow(ax, x, x + _ARROW, y, shapes[0], f"{t_in[0]}->op", skip=1.2)
    x += _ARROW
    ops_from = x
    for j, (key, label, w, after) in enumerate(ops):
        x = _block_box(ax, f"op:{key}", x, y, w, label)
        if j < len(ops) - 1:
            gap = (_OPS_W - sum(o[2] for o in ops)) / (len(ops) - 1)
            _labelled_arrow(ax, x, x + gap, y, after, f"{key}->")
            x += gap
    ops_to = x
    _labelled_arrow(ax, x, x + _ARROW, y, shapes[1], f"op->add{k}")
    cx = x + _ARROW + _ADD_R
    ax.add_patch(Circle((cx, y), _ADD_R, gid=f"add:{k}", facecolor=DIM, edgecolor=INK,
                        linewidth=1.1, zorder=3))
    ax.plot([cx - 1.2, cx + 1.2], [y, y], color=INK, linewidth=1.1, zorder=4)
    ax.plot([cx, cx], [y - 1.2, y + 1.2], color=INK, linewidth=1.1, zorder=4)
    top = y + _BOX_H / 2 + 2.5                        # the residual passes over the ops
    arrow_line(ax, (branch, y), (branch, top), (cx, top), (cx, y + _ADD_R), gid=f"residual:{k}")
    ax.text(cx - 1.0, top + 0.5, f"+ {t_in[1]}", ha="right", va="bottom", fontsize=8.5,
            color=INK)
    x = cx + _ADD_R
    arrow_line(ax, (x, y), (x + 4, y))
    x = _block_box(ax, f"norm:{k}", x + 4, y, _NORM_W, f"LN{'₁₂₃'[k - 1]}")
    _labelled_arrow(ax, x, x + _ARROW, y, shapes[0], f"norm{k}->")
    _block_box(ax, f"tensor:{t_out[0]}", x + _ARROW, y, _T_W, t_out[1], tensor=True)
    return ops_from, ops_to


def _block_figure(height):
    fig = new_figure((7.0, round(height * 0.07, 2)), layout=None)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 100)
    ax.set_ylim(0, height)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def _ffn_ops(rows, d_ff):
    return [("ffn-1", "W₁ + b₁, ReLU", 15.0, f"H {_shape(rows, d_ff)}"),
            ("ffn-2", "W₂ + b₂", 15.0, None)]


def _mha_label(first, rows, n_heads, d_v):
    return f"{first}\n{n_heads} heads, concat {_shape(rows, n_heads * d_v)} → $W_O$"


def encoder_block(n=2, d_model=4, d_ff=8, *, n_heads=2, d_v=3):
    """One encoder block with its tensors named and shaped, read left to right, top row first:
    X → multi-head self-attention → + X → LN₁ → X₁, then X₁ → feed-forward (W₁, ReLU: the
    hidden layer H, (n × d_ff); W₂) → + X₁ → LN₂ → X₂. Every arrow carries the shape of
    what flows along it; the residual leaves each row's input and joins at ⊕.

    n: tokens; the other sizes as in Config. Parts carry gids "tensor:X", "tensor:X1",
    "tensor:X2", "op:self-attention", "op:ffn-1", "op:ffn-2", "add:1", "add:2", "norm:1",
    "norm:2", "residual:1", "residual:2"; each shape label "shape:<arrow>".
    """
    _check_sizes(n=n, d_model=d_model, d_ff=d_ff, n_heads=n_heads, d_v=d_v)
    s = _shape(n, d_model)
    height = 2 * _ROW_H + 3
    fig, ax = _block_figure(height)
    y1, y2 = height - 11, height - 11 - _ROW_H - 2
    _block_row(ax, 1, y1, 2, ("X", "X"),
               [("self-attention", _mha_label("Multi-Head Self-Attention", n, n_heads, d_v),
                 _OPS_W, None)], (s, s), ("X1", "X₁"))
    _block_row(ax, 2, y2, 2, ("X1", "X₁"), _ffn_ops(n, d_ff), (s, s), ("X2", "X₂"))
    return finish(fig)


def decoder_block(m=3, n=2, d_model=4, d_ff=8, *, n_heads=2, d_v=3):
    """One decoder block with its tensors named and shaped, one sub-layer per row:
    Y → masked multi-head self-attention (scores m × m per head) → + Y → LN₁ → Y₁;
    Y₁ → cross-attention, Q from Y₁ and K, V from the memory M (n × d_model), scores
    (m × n) per head → + Y₁ → LN₂ → Y₂; Y₂ → feed-forward → + Y₂ → LN₃ → Y₃.

    m: target positions, n: source tokens. Parts carry gids "tensor:Y" … "tensor:Y3",
    "tensor:M", "op:masked-self-attention", "op:cross-attention", "op:ffn-1", "op:ffn-2",
    "add:<k>", "norm:<k>", "residual:<k>" (k = 1, 2, 3), "memory"; shape labels
    "shape:<arrow>", among them "shape:M->KV".
    """
    _check_sizes(m=m, n=n, d_model=d_model, d_ff=d_ff, n_heads=n_heads, d_v=d_v)
    s = _shape(m, d_model)
    height = 3 * _ROW_H + 16
    fig, ax = _block_figure(height)
    y1 = height - 11
    y2 = y1 - _ROW_H - 2
    y3 = y2 - _ROW_H - 14                              # room for the memory below row 2
    _block_row(ax, 1, y1, 2, ("Y", "Y"),
               [("masked-self-attention",
                 f"Masked Multi-Head Self-Attention\nscores {_shape(m, m)} per head, causal mask",
                 _OPS_W, None)], (s, s), ("Y1", "Y₁"))
    x0, x1 = _block_row(ax, 2, y2, 2, ("Y1", "Y₁"),
                        [("cross-attention",
                          f"Multi-Head Cross-Attention\nQ from Y₁; scores {_shape(m, n)} per head",
                          _OPS_W, None)], (s, s), ("Y2", "Y₂"))
    _block_row(ax, 3, y3, 2, ("Y2", "Y₂"), _ffn_ops(m, d_ff), (s, s), ("Y3", "Y₃"))
    # the memory: from below into the cross-attention box, as its keys and values
    cx, y_m = (x0 + x1) / 2, y2 - _BOX_H / 2 - 9.0
    _block_box(ax, "tensor:M", cx - _T_W / 2, y_m, _T_W, "M", tensor=True)
    arrow_line(ax, (cx, y_m + 2.5), (cx, y2 - _BOX_H / 2), gid="memory")
    ax.text(cx + 1.0, (y_m + y2 - _BOX_H / 2) / 2 + 1.2, f"K, V  {_shape(n, d_model)}",
            ha="left", va="center", fontsize=8, color=INK, gid="shape:M->KV")
    ax.text(cx - _T_W / 2 - 1.0, y_m, "memory, the encoder's output", ha="right",
            va="center", fontsize=8, color=INK, style="italic")
    return finish(fig)

