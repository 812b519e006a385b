"""A network of neurons: a small fully connected layer drawn as neurons and weights.

`network(layers, weights)` draws the neurons of each layer and every weight between two
consecutive layers as a line coloured and as wide as the weight (chapters 1, 5 and 9;
mathlib.diagram re-exports it). It returns a closed, transparent matplotlib Figure
readable on a light and a dark page (colours: `mathlib.page._figure`); matplotlib is
imported inside the function.

| problem                                                                                | error      |
|----------------------------------------------------------------------------------------|------------|
| layers not ≥ 2 sizes in 1 … 64; weights[l] not (layers[l], layers[l+1]) or not finite | ValueError |
| active[l] not None or a bool array of layers[l]; a label list of the wrong length      | ValueError |
"""
import numpy as np

from ._figure import (DARK_TEXT, DIM, FONT, INK, WEIGHTS, check_labels, check_matrix, colorbar,
                      finish, new_figure)


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
