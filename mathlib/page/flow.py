"""How data move through the mechanisms: one query's attention, the axes of the heads, the
heads joined by W_O, the generation loop.

`attention_flow` (chapter 3) draws one query meeting each key, the scores, the softmax
weights and the weighted sum of the values; `head_axes` (chapter 4) what split_heads and
merge_heads do to the axes, and the reshape-only bug; `heads_to_output` (chapter 4) the
heads side by side, Concat and W_O, with their shapes; `generation_loop` (chapter 9) the
encoder run once and the decoder re-run on a growing prefix. Like mathlib.diagram, each
returns a closed, transparent matplotlib Figure readable on a light and a dark page;
matplotlib is imported inside the functions. `flow.computation_graph` (chapter 10, the
gradients flowing back) is mathlib.page.graph's.
"""
import numpy as np

from ._figure import (DARK_TEXT, DIM, FONT, HIGHLIGHT, HIGHLIGHT_EDGE, INK, arrow_line,
                      check_labels, finish, new_figure, text_at)
from .graph import computation_graph  # noqa: F401  (flow.computation_graph: chapter 10)


# ---------------------------------------------------------------- attention's data flow

def attention_flow(scores, weights, values, output, labels, query, *, title=None):
    """One query's attention as a data flow, left to right: the query meets each key
    (a dot product, divided by √d_k) → one score per key → softmax → one weight per key →
    each value times its weight → the sum, the query's output.

    scores, weights: (n,) the query's scaled scores and attention weights;
    values: (n, d_v); output: (d_v,) = weights @ values; labels: n token names;
    query: the index (into labels) of the token that asks.
    Weights are drawn as orange boxes filled in proportion; the lines from the values
    into the sum are as wide as their weights. Parts carry gids "query", "key:<j>",
    "score:<j>", "weight:<j>", "value:<j>", "sum", "output".
    """
    from matplotlib.patches import Circle, FancyBboxPatch, Rectangle
    s = np.asarray(scores, dtype=np.float64)
    a = np.asarray(weights, dtype=np.float64)
    V = np.asarray(values, dtype=np.float64)
    z = np.asarray(output, dtype=np.float64)
    if s.ndim != 1 or not 1 <= len(s) <= 12 or a.shape != s.shape:
        raise ValueError(f"scores and weights must be (n,) with 1 ≤ n ≤ 12, got shapes {s.shape} "
                         f"and {a.shape}")
    n = len(s)
    if V.ndim != 2 or V.shape[0] != n or z.shape != V.shape[1:]:
        raise ValueError(f"values must be (n, d_v) = ({n}, d_v) and output (d_v,), got shapes "
                         f"{V.shape} and {z.shape}")
    if not all(np.isfinite(x).all() for x in (s, a, V, z)):
        raise ValueError("scores, weights, values and output must be finite")
    labels = check_labels("labels", labels, n, f"scores has {n} entries")
    if not 0 <= int(query) < n:
        raise ValueError(f"query must index labels (0 … {n - 1}), got {query}")

    def vec(x):
        return "[" + ", ".join(f"{v:.2f}".replace("-0.00", "0.00") for v in x) + "]"

    X_K, X_DOT, X_S, X_A, X_V, X_SUM, X_Z = 0.0, 1.45, 2.9, 5.1, 7.5, 10.1, 11.1
    W, H = 1.5, 0.6
    ys = [-(j * 1.0) for j in range(n)]
    y_mid = (ys[0] + ys[-1]) / 2
    y_q = ys[0] + 1.1                                 # the query sits above the keys
    width = 14.7
    fig = new_figure((width * 0.52, (n + 3.0) * 0.52))
    ax = fig.add_subplot()

    def box(gid, x, y, text, fill="none", w=W):
        ax.add_patch(FancyBboxPatch((x - w / 2, y - H / 2), w, H,
                                    boxstyle="round,pad=0.02,rounding_size=0.1",
                                    facecolor=fill, edgecolor=INK, linewidth=1.0, gid=gid,
                                    zorder=3))
        ax.text(x, y, text, ha="center", va="center", fontsize=FONT - 1, zorder=4,
                color=DARK_TEXT if fill not in ("none", DIM) else INK)

    def arrow(x0, y0, x1, y1, lw=1.0):
        ax.annotate("", (x1, y1), (x0, y0), zorder=2,
                    arrowprops=dict(arrowstyle="-|>", color=INK, lw=lw, shrinkA=0, shrinkB=0,
                                    mutation_scale=8))

    box("query", X_K, y_q, f"q: {labels[query]}", fill=DIM)
    # the query runs down a bus past every key: one dot product per key
    ax.plot([X_K + W / 2, X_DOT, X_DOT], [y_q, y_q, ys[-1]], color=INK, linewidth=1.0, zorder=1)
    for j, y in enumerate(ys):
        box(f"key:{j}", X_K, y, f"k: {labels[j]}")
        ax.plot([X_K + W / 2, X_DOT], [y, y], color=INK, linewidth=1.0, zorder=1)
        ax.add_patch(Circle((X_DOT, y), 0.09, facecolor=INK, edgecolor="none", zorder=3))
        arrow(X_DOT, y, X_S - W / 2, y)
        box(f"score:{j}", X_S, y, f"{s[j]:.2f}")
        arrow(X_S + W / 2, y, X_A - W / 2, y)
        ax.add_patch(Rectangle((X_A - W / 2, y - H / 2), W * float(np.clip(a[j], 0, 1)), H,
                               facecolor=HIGHLIGHT, edgecolor="none", zorder=2.5))
        box(f"weight:{j}", X_A, y, f"{a[j]:.2f}")
        arrow(X_A + W / 2, y, X_V - 1.1, y)
        ax.text(X_A + W / 2 + 0.35, y + 0.1, "×", ha="center", va="bottom", fontsize=FONT,
                color=INK)
        box(f"value:{j}", X_V, y, f"v: {labels[j]}", w=2.2)
        ax.plot([X_V + 1.1, X_SUM - 0.3], [y, y_mid], color=HIGHLIGHT_EDGE,
                linewidth=0.4 + 4.0 * float(np.clip(a[j], 0, 1)), solid_capstyle="round",
                zorder=1)
    ax.add_patch(Circle((X_SUM, y_mid), 0.3, facecolor="none", edgecolor=INK, linewidth=1.2,
                        gid="sum", zorder=3))
    ax.text(X_SUM, y_mid, "Σ", ha="center", va="center", fontsize=FONT + 1, color=INK, zorder=4)
    arrow(X_SUM + 0.3, y_mid, X_Z, y_mid)
    ax.text(X_Z + 0.1, y_mid + 0.15, f"out: {labels[query]}", ha="left", va="bottom",
            fontsize=FONT - 1, color=INK, gid="output")
    ax.text(X_Z + 0.1, y_mid - 0.1, vec(z), ha="left", va="top", fontsize=FONT - 2, color=INK)
    top = y_q + 0.5
    for x, text in ((X_K, "query, keys"), (X_S, "score\nq·k / √d_k"),
                    (X_A, "weight\nsoftmax"), (X_V, "values"), (X_SUM, "weighted\nsum")):
        ax.text(x, top, text, ha="center", va="bottom", fontsize=FONT - 1, color=INK)
    ax.set_xlim(X_K - W / 2 - 0.2, width - 1.0)
    ax.set_ylim(ys[-1] - 0.6, top + 1.0)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=FONT + 1)
    return finish(fig)


# ---------------------------------------------------------------- the axes of the heads

def head_axes(n=2, n_heads=2, d=3, *, words=None):
    """What split_heads and merge_heads do to the axes, cell by cell, and the merge bug.

    Four panels, left to right: the (n, h·d) output of one projection (one row per token,
    head j's d columns side by side); reshape → (n, h, d); swap the two first axes →
    (h, n, d), one (n, d) block per head, what batched attention works on; and the same
    (h, n, d) numbers reshaped straight to (n, h·d) without swapping back (the bug:
    memory order is head by head, so a row mixes tokens). merge_heads is the way back
    from the third panel to the first. A cell's colour is its head, its text its token
    (index, or the first letter of `words`). Cells carry the gid
    "cell:<panel>:<row>:<col>" (panel 0 … 3; rows and columns of the panel's grid).
    """
    from matplotlib.patches import FancyArrowPatch, Rectangle
    from ._figure import PALETTE, hex_to_rgb, text_colour_on
    for name, v in (("n", n), ("n_heads", n_heads), ("d", d)):
        if not isinstance(v, (int, np.integer)) or not 1 <= v <= 8:
            raise ValueError(f"{name} must be a whole number from 1 to 8, got {v!r}")
    words = check_labels("words", words, n, f"n = {n} tokens")
    tag = [str(i) if words is None else f"{words[i]}" for i in range(n)]
    gap, space = 0.5, 2.8                              # between blocks; between panels
    # every panel: a list of (row, col, head, token) cells and the row labels
    flat = [(i, j, k) for i in range(n) for j in range(n_heads) for k in range(d)]
    panels = [
        ("(n, h·d)", [(i, j * d + k, j, i) for i, j, k in flat], None),
        ("reshape → (n, h, d)", [(i * (n_heads) + j, k, j, i) for i, j, k in flat], n_heads),
        ("swap axes → (h, n, d)", [(j * n + i, k, j, i) for i, j, k in flat], n),
    ]
    order = [(j, i, k) for j in range(n_heads) for i in range(n) for k in range(d)]   # memory
    panels.append(("reshape only (bug)", [(r // (n_heads * d), r % (n_heads * d), j, i)
                                          for r, (j, i, k) in enumerate(order)], None))
    colours = [PALETTE[j % (len(PALETTE) - 1)] for j in range(n_heads)]
    widths = [n_heads * d, d, d, n_heads * d]
    unit = 0.24
    total = sum(widths) + space * 3 + 1.0
    height = max(n * n_heads + gap * (max(n, n_heads) - 1), n)
    fig = new_figure((round(total * unit + 0.4, 2), round((height + 3.2) * unit + 0.5, 2)))
    ax = fig.add_subplot()
    x0 = 0.5
    lefts = []
    for p, ((title, cells, block), w) in enumerate(zip(panels, widths)):
        lefts.append(x0)
        for row, col, j, i in cells:
            y = -(row + (row // block) * gap if block else row) - 1
            rgb = hex_to_rgb(colours[j])
            ax.add_patch(Rectangle((x0 + col + 0.04, y + 0.04), 0.92, 0.92, facecolor=rgb,
                                   edgecolor="none", gid=f"cell:{p}:{row}:{col}"))
            ax.text(x0 + col + 0.5, y + 0.5, tag[i][0], ha="center", va="center",
                    fontsize=FONT - 3, color=text_colour_on(rgb))
        ax.text(x0 + w / 2, 0.6, title, ha="center", va="bottom", fontsize=FONT - 1, color=INK)
        x0 += w + space
    for p in range(3):                                 # arrows between the panels
        xa, xb = lefts[p] + widths[p] + 0.3, lefts[p + 1] - 0.3
        label = ("", "", "reshape")[p]
        ax.add_patch(FancyArrowPatch((xa, -height / 2), (xb, -height / 2), arrowstyle="-|>",
                                     mutation_scale=10, color=INK, linewidth=1))
        if label:
            ax.text((xa + xb) / 2, -height / 2 + 0.4, label, ha="center", va="bottom",
                    fontsize=FONT - 3, color=INK)
    ax.text(lefts[0], -height - 1.0, "split_heads: panel 1 → 3.  merge_heads: swap back, then "
            "reshape, 3 → 1.  Colour: head; letter: token.", ha="left", va="top",
            fontsize=FONT - 2, color=INK)
    ax.set_xlim(0, total)
    ax.set_ylim(-height - 2.6, 2.0)
    ax.set_aspect("equal")
    ax.axis("off")
    return finish(fig)


# ---------------------------------------------------------------- the generation loop

def _check_tokens(name, tokens):
    if isinstance(tokens, str) or not all(isinstance(t, str) and t for t in tokens):
        raise ValueError(f"{name} must be a list of non-empty token strings, got {tokens!r}")
    return list(tokens)


def generation_loop(source, generated, *, max_steps=4, sos="<sos>", figsize=None):
    """Greedy generation as a picture: the encoder runs once, the prefix grows, one token per step.

    source: the source tokens, e.g. ["hello", "world"]; generated: the tokens generated, in
    order (at least one). The encoder turns the source into the memory once, on the left;
    each row on the right is one step t: the prefix <sos> y1 … yt goes into the decoder
    (which reads the memory), and the token out of it (orange) is appended to the next
    row's prefix. The first max_steps steps are drawn, then "⋮" when there are more.
    Parts carry gids "encoder", "memory", "decoder:<t>", "prefix:<t>:<i>", "next:<t>".
    """
    from matplotlib.patches import FancyBboxPatch
    source = _check_tokens("source", source)
    generated = _check_tokens("generated", generated)
    if not source or not generated:
        raise ValueError(f"source and generated need at least one token, got {len(source)} "
                         f"and {len(generated)}")
    if isinstance(max_steps, bool) or not isinstance(max_steps, (int, np.integer)) or max_steps < 1:
        raise ValueError(f"max_steps must be a whole number ≥ 1, got {max_steps!r}")
    steps = min(len(generated), int(max_steps))
    more = len(generated) > steps
    cell, gap, row = 9.0, 1.0, 10.0                    # token cell width, gap, row height
    x_dec = 38.0 + steps * (cell + gap) + 3            # the decoder boxes start here
    height = steps * row + (5 if more else 0) + 3
    width = x_dec + 16 + 4 + cell + 12
    if figsize is None:
        figsize = (7.0, round(max(2.2, height * 7.0 / width), 2))
    fig = new_figure(figsize, layout=None)
    ax = fig.add_axes((0, 0, 1, 1))

    def box(gid, x, y, w, h, text, lit=False, size=FONT - 1):
        ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0,rounding_size=1.0",
                                    gid=gid, facecolor=HIGHLIGHT if lit else DIM,
                                    edgecolor=HIGHLIGHT_EDGE if lit else INK, linewidth=1.0,
                                    zorder=3))
        ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=size,
                color=DARK_TEXT if lit else INK, zorder=4)

    top = height - 1
    mid = top - (steps * row) / 2                      # the encoder sits level with the rows
    box("encoder", 1, mid - 4, 14, 8, "Encoder\n(once)")
    text_at(ax, 8, mid + 5.5, " ".join(source), FONT - 1, ha="center", va="bottom")
    box("memory", 19, mid - 3, 11, 6, "memory\nM")
    arrow_line(ax, (15, mid), (19, mid))
    bus = 34.0                                         # the memory's line to every decoder
    arrow_line(ax, (30, mid), (bus, mid), arrow=False)
    for t in range(steps):
        y = top - (t + 1) * row + 1                    # bottom of row t
        prefix = [sos] + generated[:t]
        for i, tok in enumerate(prefix):
            box(f"prefix:{t}:{i}", 38 + i * (cell + gap), y, cell, 6, tok, size=FONT - 2)
        end = 38 + len(prefix) * (cell + gap) - gap
        arrow_line(ax, (end, y + 3), (x_dec, y + 3))
        box(f"decoder:{t}", x_dec, y, 16, 6, "Decoder", size=FONT - 1)
        over = y + 7.5                                 # the memory passes above the prefix
        arrow_line(ax, (bus, mid), (bus, over), (x_dec + 8, over), (x_dec + 8, y + 6))
        arrow_line(ax, (x_dec + 16, y + 3), (x_dec + 20, y + 3))
        box(f"next:{t}", x_dec + 20, y, cell, 6, generated[t], lit=True, size=FONT - 2)
        text_at(ax, x_dec + 21 + cell, y + 3, f"step {t}", FONT - 2, ha="left", va="center")
    if more:
        text_at(ax, 38 + cell / 2, top - steps * row - 1.5, "⋮", FONT + 2, ha="center",
              va="center")
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.axis("off")
    return finish(fig)


# ---------------------------------------------------------------- heads → Concat → W_O

def heads_to_output(n=2, n_heads=2, d_v=3, d_model=4, *, words=None):
    """Multi-head attention's shapes, left to right: X (n, d_model) goes to every head at
    once; head j's output (n, d_v) in its own colour; the heads side by side, Concat
    (n, h·d_v); times W_O (h·d_v, d_model), whose rows are coloured by the head whose
    columns of Concat they meet; the output (n, d_model). Every grid is labelled with its
    shape. A row cell's letter is its token (index, or the first letter of `words`).
    Cells carry gids "cell:<grid>:<row>:<col>", grid one of "x", "head<j>", "concat",
    "w_o", "out"; the grids' shape labels carry "shape:<grid>".
    """
    from matplotlib.patches import Rectangle
    from ._figure import PALETTE, hex_to_rgb, text_colour_on
    for name, v in (("n", n), ("n_heads", n_heads), ("d_v", d_v), ("d_model", d_model)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not 1 <= v <= 8:
            raise ValueError(f"{name} must be a whole number from 1 to 8, got {v!r}")
    words = check_labels("words", words, n, f"n = {n} tokens")
    tag = [str(i) if words is None else words[i][0] for i in range(n)]
    colours = [hex_to_rgb(PALETTE[j % (len(PALETTE) - 1)]) for j in range(n_heads)]
    hd = n_heads * d_v
    head_gap = 1.0                                     # between two heads' grids
    heads_h = n_heads * n + (n_heads - 1) * head_gap
    height = max(heads_h, hd, n)
    mid = -height / 2                                  # every grid is centred on this line
    x_x, x_head = 0.5, d_model + 4.0
    x_cat = x_head + d_v + 3.0
    x_w = x_cat + hd + 1.6
    x_out = x_w + d_model + 1.6
    total = x_out + d_model + 0.5
    unit = 0.2
    fig = new_figure((round(total * unit + 0.4, 2), round((height + 3.4) * unit + 0.3, 2)))
    ax = fig.add_subplot()

    def grid(name, x, top, rows, cols, colour_of, letter_of, label):
        for r in range(rows):
            for c in range(cols):
                rgb = colour_of(r, c)
                fill = DIM if rgb is None else rgb
                ax.add_patch(Rectangle((x + c + 0.04, top - r - 0.96), 0.92, 0.92,
                                       facecolor=fill, edgecolor="none",
                                       gid=f"cell:{name}:{r}:{c}"))
                letter = letter_of(r, c)
                if letter:
                    ax.text(x + c + 0.5, top - r - 0.5, letter, ha="center", va="center",
                            fontsize=FONT - 3,
                            color=INK if rgb is None else text_colour_on(rgb))
        ax.text(x + cols / 2, top - rows - 0.25, label, ha="center", va="top",
                fontsize=FONT - 2, color=INK, gid=f"shape:{name}")

    def token(r, c):
        return tag[r]

    grid("x", x_x, mid + n / 2, n, d_model, lambda r, c: None, token, f"X ({n}×{d_model})")
    ax.text(x_x + d_model / 2, mid + n / 2 + 0.4, "input", ha="center", va="bottom",
            fontsize=FONT - 1, color=INK)
    for j in range(n_heads):
        top = mid + heads_h / 2 - j * (n + head_gap)
        grid(f"head{j}", x_head, top, n, d_v, lambda r, c, j=j: colours[j], token,
             f"head {j} ({n}×{d_v})")
        y = top - n / 2
        arrow_line(ax, (x_x + d_model + 0.3, mid), (x_head - 0.3, y))
        arrow_line(ax, (x_head + d_v + 0.3, y), (x_cat - 0.3, mid))
    grid("concat", x_cat, mid + n / 2, n, hd, lambda r, c: colours[c // d_v], token,
         f"Concat ({n}×{hd})")
    ax.text(x_cat + hd / 2, mid + n / 2 + 0.4, "side by side", ha="center", va="bottom",
            fontsize=FONT - 1, color=INK)
    ax.text(x_w - 0.8, mid, "×", ha="center", va="center", fontsize=FONT + 1, color=INK)
    grid("w_o", x_w, mid + hd / 2, hd, d_model, lambda r, c: colours[r // d_v],
         lambda r, c: "", f"$W_O$ ({hd}×{d_model})")
    ax.text(x_out - 0.8, mid, "=", ha="center", va="center", fontsize=FONT + 1, color=INK)
    grid("out", x_out, mid + n / 2, n, d_model, lambda r, c: None, token,
         f"output ({n}×{d_model})")
    ax.text(x_out + d_model / 2, mid + n / 2 + 0.4, "MultiHead(X)", ha="center",
            va="bottom", fontsize=FONT - 1, color=INK)
    ax.set_xlim(0, total)
    ax.set_ylim(-height - 1.9, 1.5)
    ax.set_aspect("equal")
    ax.axis("off")
    return finish(fig)
