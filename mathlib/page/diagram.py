"""The "you are here" drawing of the model: the architecture of the paper's Figure 1.

`architecture(highlight=...)` draws Figure 1 of "Attention Is All You Need" with the
chapter's parts in orange. It returns a closed matplotlib Figure (a notebook shows it
once when it is a cell's last expression), transparent and readable on a light and a
dark page (colours: `mathlib.page._figure`). matplotlib is imported inside the function.

The chapters reach the other drawings of the model through this module too:
`diagram.encoder_block` and `diagram.decoder_block` (one block, its tensors shaped) are
mathlib.page.blocks's, `diagram.network` (neurons and weights) is mathlib.page.neurons's.

| problem                   | error      |
|---------------------------|------------|
| an unknown highlight name | ValueError |
"""
import numpy as np

from ._figure import (arrow_line, text_at, DARK_TEXT, DIM, HIGHLIGHT, HIGHLIGHT_EDGE, INK, finish,
                      new_figure)
from .blocks import decoder_block, encoder_block  # noqa: F401  (diagram.encoder_block, …: chapters 7, 8)
from .neurons import network  # noqa: F401  (diagram.network: chapters 1, 5, 9)

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
