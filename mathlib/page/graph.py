"""Backpropagation's graphs: a computation graph with its forward values and its gradients.

`computation_graph(nodes, edges, values=..., grads=...)` (chapter 10) draws the nodes
where the caller places them, an arrow per edge forward and, where both ends have a
gradient, an orange one flowing back (mathlib.flow re-exports it). It returns a closed,
transparent matplotlib Figure readable on a light and a dark page; matplotlib is
imported inside the function.
"""
import numpy as np

from ._figure import DIM, FONT, HIGHLIGHT_EDGE, INK, finish, new_figure


# ---------------------------------------------------------------- backpropagation's graphs

def _graph_text(v):
    if isinstance(v, str):
        return v.replace("-", "−")
    v = float(v)
    if not np.isfinite(v):
        raise ValueError(f"values and gradients must be finite numbers or text, got {v}")
    return f"{v:.3g}".replace("-", "−")


def computation_graph(nodes, edges, *, values=None, grads=None, figsize=None):
    """A computation graph with its forward values and, flowing back, its gradients.

    nodes: {name: (x, y, label)}: where each node sits (any units; x grows to the right,
    y upwards) and what it is ("x", "×", "+", "ReLU", "LN₁"); drawn as a box.
    edges: [(a, b)] or [(a, b, local)]: node a feeds node b (an INK arrow a → b);
    `local` (text), the local derivative ∂b/∂a, is written beside the edge in orange.
    values: {name: number or text}: the forward value, written above the node.
    grads: {name: number or text}: ∂L/∂(node), written below the node in orange; for
    every edge whose two ends both have one, an orange arrow runs back from b to a beside
    the forward one: the gradient flowing backward. A node with two outgoing edges is a
    fork: the caller writes its gradient as the sum of what comes back along both.
    Parts carry gids "node:<name>", "edge:<a>:<b>", "back:<a>:<b>", "value:<name>",
    "grad:<name>", "local:<a>:<b>".
    """
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
    if not isinstance(nodes, dict) or not nodes:
        raise ValueError(f"nodes must be a non-empty dict name → (x, y, label), got {nodes!r}")
    pos, labels = {}, {}
    for name, spec in nodes.items():
        if (not isinstance(spec, (tuple, list)) or len(spec) != 3
                or not all(np.isfinite(float(c)) for c in spec[:2])):
            raise ValueError(f"nodes[{name!r}] must be (x, y, label) with finite x and y, "
                             f"got {spec!r}")
        pos[name] = (float(spec[0]), float(spec[1]))
        labels[name] = str(spec[2])
    values, grads = dict(values or {}), dict(grads or {})
    for what, d in (("values", values), ("grads", grads)):
        unknown = sorted(set(d) - set(nodes))
        if unknown:
            raise ValueError(f"{what} names nodes that do not exist: {unknown}; nodes are "
                             f"{sorted(nodes)}")
    norm_edges = []
    for e in edges:
        if not isinstance(e, (tuple, list)) or len(e) not in (2, 3):
            raise ValueError(f"every edge must be (a, b) or (a, b, local), got {e!r}")
        a, b = e[0], e[1]
        for end in (a, b):
            if end not in nodes:
                raise ValueError(f"edge {e!r} names the node {end!r}, which does not exist; "
                                 f"nodes are {sorted(nodes)}")
        norm_edges.append((a, b, e[2] if len(e) == 3 else None))
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    span_x = max(xs) - min(xs) + 2.4
    span_y = max(ys) - min(ys) + 2.0
    if figsize is None:
        w = min(7.0, max(3.0, span_x * 0.75))
        figsize = (w, round(max(1.8, w * span_y / span_x), 2))
    fig = new_figure(figsize, layout=None)
    ax = fig.add_axes((0, 0, 1, 1))
    H = 0.5
    width = {n: max(0.55, 0.13 * len(labels[n]) + 0.3) for n in nodes}

    def border(name, towards):
        """The point where a line from the node's centre towards `towards` leaves its box."""
        (x0, y0), (x1, y1) = pos[name], towards
        dx, dy = x1 - x0, y1 - y0
        if dx == 0 and dy == 0:
            return x0, y0
        t = min(width[name] / 2 / abs(dx) if dx else np.inf, H / 2 / abs(dy) if dy else np.inf)
        return x0 + dx * t, y0 + dy * t

    for name, (x, y) in pos.items():
        ax.add_patch(FancyBboxPatch((x - width[name] / 2, y - H / 2), width[name], H,
                                    boxstyle="round,pad=0.02,rounding_size=0.12",
                                    facecolor=DIM, edgecolor=INK, linewidth=1.0,
                                    gid=f"node:{name}", zorder=3))
        ax.text(x, y, labels[name], ha="center", va="center", fontsize=FONT, color=INK,
                zorder=4)
        if name in values:
            ax.text(x, y + H / 2 + 0.06, _graph_text(values[name]), ha="center", va="bottom",
                    fontsize=FONT - 1, color=INK, gid=f"value:{name}")
        if name in grads:
            ax.text(x, y - H / 2 - 0.06, _graph_text(grads[name]), ha="center", va="top",
                    fontsize=FONT - 1, color=HIGHLIGHT_EDGE, gid=f"grad:{name}")
    for a, b, local in norm_edges:
        p0, p1 = border(a, pos[b]), border(b, pos[a])
        ax.add_patch(FancyArrowPatch(p0, p1, arrowstyle="-|>", mutation_scale=9, color=INK,
                                     linewidth=1.1, shrinkA=1, shrinkB=1, zorder=2,
                                     gid=f"edge:{a}:{b}"))
        dx, dy = p1[0] - p0[0], p1[1] - p0[1]
        length = float(np.hypot(dx, dy)) or 1.0
        nx, ny = -dy / length, dx / length            # the left-hand side of a → b
        if ny < 0 or (ny == 0 and nx > 0):           # keep the back arrow below or left
            nx, ny = -nx, -ny
        off = 0.12
        if a in grads and b in grads:
            q0 = (p1[0] - nx * off, p1[1] - ny * off)
            q1 = (p0[0] - nx * off, p0[1] - ny * off)
            ax.add_patch(FancyArrowPatch(q0, q1, arrowstyle="-|>", mutation_scale=8,
                                         color=HIGHLIGHT_EDGE, linewidth=1.0, linestyle="--",
                                         shrinkA=4, shrinkB=4, zorder=2, gid=f"back:{a}:{b}"))
        if local:
            mx, my = (p0[0] + p1[0]) / 2 - nx * 0.3, (p0[1] + p1[1]) / 2 - ny * 0.3
            ax.text(mx, my, local, ha="center", va="center", fontsize=FONT - 2,
                    color=HIGHLIGHT_EDGE, gid=f"local:{a}:{b}", zorder=4)
    ax.set_xlim(min(xs) - 1.2, max(xs) + 1.2)
    ax.set_ylim(min(ys) - 1.0, max(ys) + 1.0)
    ax.set_aspect("equal")
    ax.axis("off")
    return finish(fig)
