"""Drawings of the model: the "you are here" architecture and a network of neurons.

`architecture(highlight=...)` draws Figure 1 of "Attention Is All You Need" with the
chapter's parts in orange; `network(layers, weights)` draws a small fully connected
layer as neurons and weights. Both return a closed matplotlib Figure (a notebook shows
it once when it is a cell's last expression), transparent and readable on a light and
a dark page (colours: `mathlib._figure`). matplotlib is imported inside the functions.

| problem                                                                 | error      |
|-------------------------------------------------------------------------|------------|
| an unknown highlight name                                                | ValueError |
| network: layers not ≥ 2 sizes in 1 … 64; weights[l] not (layers[l], layers[l+1]) or not finite | ValueError |
| network: active[l] not None or a bool array of layers[l]; a label list of the wrong length      | ValueError |
"""
import numpy as np

from ._figure import (arrow_line, text_at, DARK_TEXT, DIM, FONT, HIGHLIGHT, HIGHLIGHT_EDGE, INK, WEIGHTS,
                      check_labels, check_matrix, colorbar, finish, new_figure)

# ---------------------------------------------------------------- the architecture

# A layer of each stack is a list of sub-layers, each followed by its own Add & Norm.
ENCODER_LAYER = ("self-attention", "feed-forward")
DECODER_LAYER = ("masked-self-attention", "cross-attention", "feed-forward")
_SUBLAYER = {                  # name: (label in the box, box height)
    "self-attention": ("Multi-Head\nSelf-Attention", 7.0),
    "masked-self-attention": ("Masked Multi-Head\nSelf-Attention", 7.0),
    "cross-attention": ("Multi-Head\nCross-Attention", 7.0),
    "feed-forward": ("Feed Forward", 5.0),
}

_ELEMENTS = {
    "embedding": ("encoder-embedding", "decoder-embedding"),
    "positional": ("encoder-positional", "decoder-positional"),
    "encoder-self-attention": ("encoder-self-attention",),
    "attention": ("encoder-self-attention", "decoder-masked-self-attention", "decoder-cross-attention"),
    "feed-forward": ("encoder-feed-forward", "decoder-feed-forward"),
    "add-norm": ("encoder-add-norm-1", "encoder-add-norm-2",
                 "decoder-add-norm-1", "decoder-add-norm-2", "decoder-add-norm-3"),
    "encoder": ("encoder-block", "encoder-self-attention", "encoder-add-norm-1",
                "encoder-feed-forward", "encoder-add-norm-2"),
    "decoder": ("decoder-block", "decoder-masked-self-attention", "decoder-add-norm-1",
                "decoder-cross-attention", "decoder-add-norm-2", "decoder-feed-forward",
                "decoder-add-norm-3"),
    "masked-self-attention": ("decoder-masked-self-attention",),
    "cross-attention": ("decoder-cross-attention",),
    "output": ("linear", "softmax"),
}
_ELEMENTS["all"] = tuple(dict.fromkeys(e for v in _ELEMENTS.values() for e in v))

ARCHITECTURE_PARTS = tuple(_ELEMENTS)
"""The names `architecture(highlight=...)` accepts."""

# Layout in diagram units (100 units = 7 inches across); y grows upwards.
_ENC, _DEC = 27.0, 73.0        # column centres: encoder left, decoder right
_W = 28.0                      # box width
_HALF = _W / 2 + 4.5           # half width of the layer's frame
_SIDE = _W / 2 + 2.2           # residual lines run this far from the centre
_TAP = 8.0                     # the attention inputs V, K, Q enter at -_TAP, 0, +_TAP


def _lit_elements(highlight):
    """The set of diagram elements to colour, from a part name or several."""
    if highlight is None:
        return set()
    names = (highlight,) if isinstance(highlight, str) else tuple(highlight)
    unknown = [n for n in names if n not in ARCHITECTURE_PARTS]
    if unknown:
        raise ValueError(f"highlight has unknown part(s) {unknown}; "
                         f"valid names are {', '.join(ARCHITECTURE_PARTS)}")
    return {e for n in names for e in _ELEMENTS[n]}


def _box(ax, gid, text, cx, y, h, lit):
    """A rounded box of width _W centred at cx from y to y + h, labelled; returns its top."""
    from matplotlib.patches import FancyBboxPatch
    on = gid in lit
    ax.add_patch(FancyBboxPatch(
        (cx - _W / 2, y), _W, h, boxstyle="round,pad=0,rounding_size=1.2", gid=f"part:{gid}",
        facecolor=HIGHLIGHT if on else DIM, edgecolor=HIGHLIGHT_EDGE if on else INK,
        linewidth=1.5 if on else 1.0, zorder=3))
    ax.text(cx, y + h / 2, text, ha="center", va="center", fontsize=9, zorder=4,
            color=DARK_TEXT if on else INK, linespacing=1.15)
    return y + h


def _frame(ax, gid, x0, y0, x1, y1, lit):
    """The big rounded frame of an encoder or decoder layer."""
    from matplotlib.colors import to_rgba
    from matplotlib.patches import FancyBboxPatch
    on = gid in lit
    ax.add_patch(FancyBboxPatch(
        (x0, y0), x1 - x0, y1 - y0, boxstyle="round,pad=0,rounding_size=2.5", gid=f"part:{gid}",
        facecolor=to_rgba(HIGHLIGHT, 0.15) if on else to_rgba(INK, 0.06),
        edgecolor=HIGHLIGHT_EDGE if on else INK, linewidth=1.8 if on else 1.0, zorder=1))


def _positional(ax, gid, cx, y, side, lit):
    """⊕ at (cx, y) joined to a sine-wave disc labelled 'Positional Encoding' on `side`."""
    from matplotlib.patches import Circle
    on = gid in lit
    face, edge, ink = (HIGHLIGHT, HIGHLIGHT_EDGE, DARK_TEXT) if on else (DIM, INK, INK)
    ix = cx + side * 9.0
    for x, r in ((cx, 2.0), (ix, 2.6)):
        ax.add_patch(Circle((x, y), r, gid=f"part:{gid}", facecolor=face, edgecolor=edge,
                            linewidth=1.3, zorder=3))
    ax.plot([cx - 1.3, cx + 1.3], [y, y], color=ink, linewidth=1.1, zorder=4)
    ax.plot([cx, cx], [y - 1.3, y + 1.3], color=ink, linewidth=1.1, zorder=4)
    ax.plot([cx + side * 2.0, ix - side * 2.6], [y, y], color=INK, linewidth=1.1, zorder=2)
    t = np.linspace(-1.8, 1.8, 40)
    ax.plot(ix + t, y + 1.1 * np.sin(t * np.pi / 1.8), color=ink, linewidth=1.0, zorder=4)
    text_at(ax, ix + side * 3.6, y, "Positional\nEncoding", 8.5,
          ha="right" if side < 0 else "left", va="center")


def _residual(ax, gid, cx, side, x_from, y_from, y_to):
    """Skip connection from (x_from, y_from) out to `side` (-1 left, +1 right) of the column
    at cx, up, and into the side of the Add & Norm `gid` at y_to."""
    x = cx + side * _SIDE
    arrow_line(ax, (x_from, y_from), (x, y_from), (x, y_to), (cx + side * _W / 2, y_to),
          gid=f"residual:{gid}")


def _column(ax, stack, cx, side, sublayers, caption, embedding, lit):
    """One stack of Figure 1, bottom to top: caption, embedding, ⊕ positional encoding, and
    a layer frame holding each sub-layer with its residual and Add & Norm.

    side: -1 draws the residuals, the positional-encoding disc and "N×" on the left, +1 on
    the right. A cross-attention sub-layer takes Q from below and leaves K and V to the
    memory bus. Returns the y where the stack's output leaves its last Add & Norm, the top
    of its frame, and the y of the memory bus (None without cross-attention).
    """
    text_at(ax, cx, 2.5, caption, 9, ha="center", va="center")
    arrow_line(ax, (cx, 4.5), (cx, 8))
    y = _box(ax, f"{stack}-embedding", embedding, cx, 8, 5, lit)
    arrow_line(ax, (cx, y), (cx, 17.5))
    _positional(ax, f"{stack}-positional", cx, 19.5, side, lit)
    y = bottom = 21.5                                  # the flow leaves the ⊕ here
    bus = None
    for k, name in enumerate(sublayers, start=1):
        label, height = _SUBLAYER[name]
        if name == "feed-forward":                     # one input
            x_res, branch, start = cx, y + 2.5, y + 5
            arrow_line(ax, (cx, y), (cx, start))
        elif name == "cross-attention":                # Q from below, K and V from the bus
            x_res, branch, start, bus = cx + _TAP, y + 2.5, y + 8, y + 5
            arrow_line(ax, (cx - _TAP, bus), (cx - _TAP, start))                    # V
            arrow_line(ax, (cx, bus), (cx, start))                                  # K
            arrow_line(ax, (cx + _TAP, y), (cx + _TAP, start))                      # Q
            for x, tap in zip((cx - _TAP, cx, cx + _TAP), "VKQ"):
                text_at(ax, x + 0.8, (bus + start) / 2, tap, 8, ha="left", va="center", style="italic")
        else:                                          # self-attention: V, K, Q from one flow
            x_res, branch, start = cx, y + 5, y + 8
            arrow_line(ax, (cx, y), (cx, branch), arrow=False)
            arrow_line(ax, (cx - _TAP, branch), (cx + _TAP, branch), arrow=False)
            for x in (cx - _TAP, cx, cx + _TAP):
                arrow_line(ax, (x, branch), (x, start))
        top = _box(ax, f"{stack}-{name}", label, cx, start, height, lit)
        arrow_line(ax, (cx, top), (cx, top + 3))
        _residual(ax, f"{stack}-add-norm-{k}", cx, side, x_res, branch, top + 5)
        y = _box(ax, f"{stack}-add-norm-{k}", "Add & Norm", cx, top + 3, 4, lit)
    frame_top = y + 4
    _frame(ax, f"{stack}-block", cx - _HALF, bottom + 2.5, cx + _HALF, frame_top, lit)
    text_at(ax, cx + side * (_HALF + 1.5), (bottom + 2.5 + frame_top) / 2, "N×" if side < 0 else "×N",
          13, ha="right" if side < 0 else "left", va="center")
    text_at(ax, cx + side * (_HALF - 1.5), frame_top - 1.8, f"{stack.capitalize()} layer", 8.5,
          ha="left" if side < 0 else "right", va="center", style="italic")
    return y, frame_top, bus


def _memory(ax, encoder_top, encoder_frame_top, bus):
    """The encoder output: up out of the encoder, across, and along the bus into K and V."""
    x_mid, y_top = (_ENC + _DEC) / 2, encoder_frame_top + 5
    arrow_line(ax, (_ENC, encoder_top), (_ENC, y_top), (x_mid, y_top), (x_mid, bus), (_DEC, bus),
          arrow=False)
    text_at(ax, (_ENC + x_mid) / 2, y_top + 1.2, "encoder output, read by\nevery decoder layer", 8,
          ha="center", va="bottom", style="italic")


def _output(ax, cx, y, lit):
    """Linear → softmax → output probabilities on top of the decoder."""
    arrow_line(ax, (cx, y), (cx, y + 8))
    y = _box(ax, "linear", "Linear", cx, y + 8, 4.5, lit)
    arrow_line(ax, (cx, y), (cx, y + 3.5))
    y = _box(ax, "softmax", "Softmax", cx, y + 3.5, 4.5, lit)
    arrow_line(ax, (cx, y), (cx, y + 3.5))
    text_at(ax, cx, y + 5.5, "Output Probabilities", 9, ha="center", va="center")


def architecture(highlight=()):
    """The encoder-decoder Transformer of "Attention Is All You Need" (Figure 1), parts highlighted.

    highlight: a name or an iterable of names from ARCHITECTURE_PARTS:
        "embedding", "positional"          both stacks' input embedding / positional encoding
        "encoder-self-attention"           the encoder's self-attention
        "masked-self-attention", "cross-attention"   the decoder's two attention sub-layers
        "attention"                        all three attention sub-layers
        "feed-forward", "add-norm"         every feed-forward / every Add & Norm
        "encoder", "decoder"               a whole layer: its frame and every sub-layer
        "output"                           the final Linear and Softmax
        "all"                              everything
    The named parts are orange, the rest faint grey. The encoder and decoder columns are
    drawn by one function from their lists of sub-layers (ENCODER_LAYER, DECODER_LAYER).
    Each drawn part carries a gid "part:<element>" (e.g. "part:decoder-add-norm-2"), each
    skip connection "residual:<its Add & Norm>".
    """
    lit = _lit_elements(highlight)
    fig = new_figure((7.0, 7.5), layout=None)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(-1, 101)
    ax.set_ylim(-1, 111)
    ax.set_aspect("equal")
    ax.axis("off")
    enc_top, enc_frame_top, _ = _column(ax, "encoder", _ENC, -1, ENCODER_LAYER, "Inputs",
                                        "Input Embedding", lit)
    dec_top, _, bus = _column(ax, "decoder", _DEC, +1, DECODER_LAYER, "Outputs (shifted right)",
                              "Output Embedding", lit)
    _memory(ax, enc_top, enc_frame_top, bus)
    _output(ax, _DEC, dec_top, lit)
    return finish(fig)


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


# ---------------------------------------------------------------- a network of neurons

MAX_NEURONS = 64               # per layer: every neuron and every connection is drawn


def _layer_sizes(layers):
    """layers as a list of ≥ 2 positive ints, each at most MAX_NEURONS."""
    try:
        sizes = list(layers)
    except TypeError:
        raise ValueError(f"layers must be a list of layer sizes, e.g. [4, 8, 4], got {layers!r}") from None
    if len(sizes) < 2 or not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s > 0
                                 for s in sizes):
        raise ValueError(f"layers must be a list of at least 2 positive whole numbers, got {sizes!r}")
    sizes = [int(s) for s in sizes]
    for l, s in enumerate(sizes):
        if s > MAX_NEURONS:
            raise ValueError(f"layers[{l}] = {s} neurons is too many to draw one by one "
                             f"(at most {MAX_NEURONS} per layer)")
    return sizes


def _network_weights(weights, sizes):
    """weights as a list of finite (sizes[l], sizes[l+1]) float arrays."""
    if isinstance(weights, np.ndarray):
        weights = [weights]
    try:
        weights = list(weights)
    except TypeError:
        raise ValueError(f"weights must be a list of matrices, got {type(weights).__name__}") from None
    if len(weights) != len(sizes) - 1:
        raise ValueError(f"weights has {len(weights)} matrices but layers {sizes} needs {len(sizes) - 1} "
                         "(one (d_in, d_out) matrix between each pair of consecutive layers)")
    out = []
    for l, W in enumerate(weights):
        a = check_matrix(f"weights[{l}]", W)
        if np.isinf(a).any():
            raise ValueError(f"weights[{l}] contains {int(np.isinf(a).sum())} infinite value(s); shape {a.shape}")
        want = (sizes[l], sizes[l + 1])
        if a.shape != want:
            raise ValueError(f"weights[{l}] has shape {a.shape} but layers[{l}] = {sizes[l]} and "
                             f"layers[{l + 1}] = {sizes[l + 1]} need shape {want}")
        out.append(a)
    return out


def _network_active(active, sizes):
    """active as a list with, per layer, None or a bool array of that layer's size."""
    if active is None:
        return [None] * len(sizes)
    active = list(active)
    if len(active) != len(sizes):
        raise ValueError(f"active has {len(active)} entries but layers {sizes} has {len(sizes)} layers "
                         "(give None for a layer without on/off information)")
    out = []
    for l, a in enumerate(active):
        if a is not None:
            a = np.asarray(a)
            if a.dtype != bool or a.shape != (sizes[l],):
                raise ValueError(f"active[{l}] must be a boolean array of shape ({sizes[l]},) "
                                 f"(layers[{l}] = {sizes[l]}), got shape {a.shape} dtype {a.dtype}")
        out.append(a)
    return out


def network(layers, weights, *, active=None, input_labels=None, output_labels=None,
            layer_names=None, title=None, figsize=None):
    """A small fully connected network drawn as neurons and weights.

    layers: layer sizes from input to output, e.g. [4, 8, 4] for the feed-forward network.
    weights: one matrix (layers[l], layers[l+1]) per pair of consecutive layers, the way
        mathlib stores them (x @ W): entry (i, j) is the weight from neuron i to neuron j.
        Each connection is a line whose colour (orange negative, grey 0, purple positive,
        one scale for all matrices) and width show the weight.
    active: None, or per layer None or a bool array (layers[l],): True neurons are drawn
        filled grey with a bold label, False neurons hollow and dashed with their outgoing
        lines faded (e.g. hidden units that ReLU switched off, the 0 inputs of a one-hot
        vector); neurons without on/off information are faintly filled.
    input_labels / output_labels: one string per input / output neuron (e.g. token names).
    layer_names: one string per layer, written under it; None → "input (n)", "hidden (n)", "output (n)".
    Biases are not drawn. Neurons carry the gid "neuron:<layer>:<i>", connections
    "weight:<layer>:<i>:<j>" (from neuron i of layer `layer` to neuron j of the next).
    """
    import matplotlib as mpl
    from matplotlib.colors import LinearSegmentedColormap, Normalize
    from matplotlib.patches import Circle
    sizes = _layer_sizes(layers)
    Ws = _network_weights(weights, sizes)
    on = _network_active(active, sizes)
    input_labels = check_labels("input_labels", input_labels, sizes[0], f"layers[0] = {sizes[0]} input neurons")
    output_labels = check_labels("output_labels", output_labels, sizes[-1],
                                 f"layers[-1] = {sizes[-1]} output neurons")
    if layer_names is None:
        layer_names = [("input" if l == 0 else "output" if l == len(sizes) - 1 else "hidden") + f" ({s})"
                       for l, s in enumerate(sizes)]
    layer_names = check_labels("layer_names", layer_names, len(sizes), f"layers has {len(sizes)} layers")

    n_max, L = max(sizes), len(sizes)
    unit = min(0.42, 5.0 / n_max)                      # inches between two neurons of a layer
    gap = 2.4 / unit                                   # layers 2.4 in apart, in data units
    radius = 0.3
    left = 0.0 if input_labels is None else (max(map(len, input_labels)) * 0.07 + 0.15) / unit
    right = 0.0 if output_labels is None else (max(map(len, output_labels)) * 0.07 + 0.15) / unit
    if figsize is None:
        width = (L - 1) * 2.4 + (left + right) * unit + 1.5
        figsize = (round(width, 2), round(n_max * unit + (1.4 if title else 1.1), 2))
    m = max(float(np.abs(W).max()) for W in Ws) or 1.0
    norm = Normalize(vmin=-m, vmax=m)
    cmap = LinearSegmentedColormap.from_list("weights", WEIGHTS)

    def xy(l, i):
        return l * gap, (sizes[l] - 1) / 2 - i

    def state(l, i):                                   # None (no information), True or False
        return None if on[l] is None else bool(on[l][i])

    fig = new_figure(figsize)
    ax = fig.add_subplot()
    for l, W in enumerate(Ws):
        order = sorted(np.ndindex(W.shape), key=lambda ij: abs(W[ij]))   # strong lines on top
        for i, j in order:
            (x0, y0), (x1, y1) = xy(l, i), xy(l + 1, j)
            faded = state(l, i) is False
            ax.plot([x0 + radius, x1 - radius], [y0, y1], color=cmap(norm(W[i, j])),
                    linewidth=0.5 + 3.0 * abs(W[i, j]) / m, alpha=0.15 if faded else 1.0,
                    solid_capstyle="round", zorder=1 if faded else 2, gid=f"weight:{l}:{i}:{j}")
    for l, n in enumerate(sizes):
        for i in range(n):
            s = state(l, i)
            ax.add_patch(Circle(xy(l, i), radius, facecolor={None: DIM, True: INK, False: "none"}[s],
                                edgecolor=INK, linewidth=1.2, linestyle="--" if s is False else "-",
                                zorder=3, gid=f"neuron:{l}:{i}"))
            if 0 < l < L - 1:                          # hidden neurons carry their index
                ax.text(*xy(l, i), str(i), ha="center", va="center", zorder=4,
                        fontsize=float(np.clip(radius * unit * 72 * 0.9, 5, FONT - 2)),
                        color=DARK_TEXT if s else INK)
    for labels, l, side in ((input_labels, 0, -1), (output_labels, L - 1, +1)):
        for i, text in enumerate(labels or []):
            x, y = xy(l, i)
            ax.text(x + side * (radius + 0.25), y, text, ha="right" if side < 0 else "left",
                    va="center", fontsize=FONT - 1, color=INK,
                    fontweight="bold" if state(l, i) else "normal")
    bottom = -(n_max - 1) / 2 - 0.75
    for l, name in enumerate(layer_names):
        ax.text(xy(l, 0)[0], bottom, name, ha="center", va="top", fontsize=FONT - 1, color=INK)
    ax.set_xlim(-left - radius - 0.3, (L - 1) * gap + right + radius + 0.3)
    ax.set_ylim(bottom - 0.6, (n_max - 1) / 2 + 0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=FONT + 1)
    colorbar(fig, mpl.cm.ScalarMappable(norm=norm, cmap=cmap), ax, "weight", shrink=0.6,
             fraction=0.05, pad=0.02, aspect=15)
    return finish(fig)
