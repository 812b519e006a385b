"""Exercises that check themselves: `check.<name>(answer)` runs the reader's answer.

The reader writes a function (its body starts as `...`); the check runs it on several
inputs against mathlib and prints either "correct" or what is wrong: which input, the
expected and the received value, and a hint for the typical mistake (each hint is a
known wrong answer, most from the pitfalls appendix, recognised by its output). It
never prints the answer's code. An unfinished answer (`...`, or a function whose body
is still `...`) prints a friendly "not done yet", so the chapter runs top to bottom.

    check.one_hot(f)              chapter 1      check.encoder_layer(f)    chapter 7
    check.positional_encoding(f)  chapter 2      check.causal_mask(f)      chapter 8
    check.softmax(f)              chapter 3      check.sample_probabilities(f)  ch. 9
    check.merge_heads(f)          chapter 4      check.cross_entropy(f)    chapter 10
    check.feed_forward(f)         chapter 5      check.warmup_lr(f)        chapter 11
    check.layer_norm(f)           chapter 6      check.translate_phrase(f)  ch. 12

Each check returns nothing; it prints. tests/test_check.py runs each on the book's
solution and on typical wrong answers.
"""
import textwrap

import numpy as np

from . import (attention, embedding, generate, layers, loss, phrases, positional, train,
               transformer)

WIDTH = 72


def _say(text):
    print("\n".join(textwrap.fill(p, WIDTH) if not p.startswith("  ") else p
                    for p in text.split("\n")))


def _fmt(x):
    if isinstance(x, str):
        return repr(x)
    if isinstance(x, np.ndarray) and x.dtype.kind in "USO":   # words
        return repr(x.astype(object).tolist())
    if isinstance(x, np.ndarray):
        if x.dtype == bool:
            return np.array2string(x.astype(int), separator=", ").replace("\n", "\n  ") + " (as 0/1)"
        if x.dtype.kind in "iu":
            return np.array2string(x, separator=", ", max_line_width=WIDTH - 2)
        return np.array2string(np.round(x, 4) + 0.0, separator=", ", precision=4,
                               suppress_small=True, max_line_width=WIDTH - 2).replace("\n", "\n  ")
    if isinstance(x, float):
        return f"{x:.6g}"
    if isinstance(x, (int, np.integer, type(None))):
        return repr(x)
    return type(x).__name__


def _args_text(name, args, desc=None):
    """`name(a=1, b=2)` on one line when it fits, else one argument a line."""
    desc = desc or {}
    shown = {k: desc.get(k, _fmt(v)) for k, v in args.items()}
    inline = f"{name}({', '.join(f'{k}={v}' for k, v in shown.items())})"
    if len(inline) <= WIDTH - 14 and "\n" not in inline:
        return inline
    lines = [f"{name}({', '.join(shown)}) with"]
    for k, v in shown.items():
        v = v.replace("\n  ", "\n    ")
        lines.append(f"  {k} = {v}" if "\n" not in v and len(v) < WIDTH - 8
                     else f"  {k} =\n    {v}")
    return "\n".join(lines)


def _close(got, want):
    """Same shape (and kind) and the same numbers, to 1e-6; the same text."""
    if isinstance(want, str):
        return isinstance(got, str) and got == want
    if isinstance(want, float):
        try:
            return abs(float(got) - want) <= 1e-6 * max(1.0, abs(want))
        except (TypeError, ValueError):
            return False
    got = np.asarray(got)
    if got.shape != want.shape:
        return False
    if want.dtype == bool:
        return got.dtype == bool and bool((got == want).all())
    return bool(np.allclose(got, want, rtol=1e-6, atol=1e-8, equal_nan=False))


def _unfinished(answer):
    return answer is Ellipsis or answer is None


def _run(name, answer, cases, reference, mistakes=(), generic=None):
    """Run `answer` on every case (a dict of keyword arguments); print the verdict.
    mistakes: (wrong_function, hint) pairs, a typical mistake each; generic(args, got,
    want) may return a hint of its own."""
    if _unfinished(answer):
        _say(f"Not done yet: write your {name} above (replace the `...`) and run "
             f"this cell again.")
        return
    for args in cases:
        args = dict(args)
        desc = args.pop("__desc__", None)
        want = reference(**args)
        try:
            with np.errstate(all="ignore"):    # overflow is reported below, as a hint
                got = answer(**{k: (v.copy() if isinstance(v, np.ndarray) else v)
                                for k, v in args.items()})
        except Exception as exc:     # the reader's code: report, do not stop the chapter
            _say(f"Not yet: {_args_text(name, args, desc)}\nraised "
                 f"{type(exc).__name__}: {exc}")
            return
        if got is None or got is Ellipsis:
            _say(f"Not done yet: {_name(answer, name)} returns {got!r}. Write its body "
                 f"(replace the `...`) and run this cell again.")
            return
        if _close(got, want):
            continue
        hint = _hint(args, got, want, mistakes, generic)
        shape = ""
        if isinstance(want, np.ndarray):
            g = np.asarray(got)
            if g.shape != want.shape:
                shape = f" (shape {want.shape}, got shape {g.shape})"
        _say(f"Not yet. For {_args_text(name, args, desc)}\n"
             f"expected{shape}\n  {_fmt(want)}\ngot\n  {_fmt(_as_shown(got))}"
             + (f"\nHint: {hint}" if hint else ""))
        return
    _say(f"Correct: {_name(answer, name)} agrees with mathlib on all {len(cases)} "
         f"inputs.")


def _as_shown(got):
    """What the reader's answer printed as: an array, unless a number or text."""
    return got if isinstance(got, (float, str)) else np.asarray(got)


def _name(answer, name):
    """The answer's own name (my_softmax, softmax_solution), else the exercise's."""
    own = getattr(answer, "__name__", "")
    return own if own.isidentifier() else f"your {name}"


def _hint(args, got, want, mistakes, generic):
    for wrong, hint in mistakes:
        try:
            with np.errstate(all="ignore"):
                w = wrong(**args)
        except Exception:
            continue
        if isinstance(want, str):
            w = str(w)
        elif isinstance(want, float):
            w = float(w)
        else:
            w = np.asarray(w)
        if _close(got, w):
            return hint
    if generic is not None:
        return generic(args, got, want)
    return None


# --- chapter 1 ----------------------------------------------------------------------------

def one_hot(answer):
    """one_hot(ids, vocab_size) → (n, vocab_size), row t has a 1 at column ids[t]."""
    cases = [dict(ids=np.array([3, 4]), vocab_size=10),
             dict(ids=np.array([0, 9, 9, 2]), vocab_size=10),
             dict(ids=np.array([1]), vocab_size=3)]
    mistakes = [
        (lambda ids, vocab_size: embedding.one_hot(ids, vocab_size).T,
         "the rows and columns are swapped: one row per token, one column per "
         "word of the vocabulary, shape (n, vocab_size)."),
        (lambda ids, vocab_size: np.eye(vocab_size)[(ids + 1) % vocab_size],
         "the 1 sits one column too far right: ids count from 0."),
        (lambda ids, vocab_size: np.eye(vocab_size)[(ids - 1) % vocab_size],
         "the 1 sits one column too far left: ids count from 0."),
        (lambda ids, vocab_size: np.eye(vocab_size)[ids].sum(axis=0),
         "one row per token: the vectors were summed into one (a bag of words)."),
    ]

    def generic(args, got, want):
        got = np.asarray(got)
        if got.shape == want.shape and not np.allclose(got.sum(axis=-1), 1):
            return "each row must hold exactly one 1 and zeros elsewhere."
    _run("one_hot", answer, cases, embedding.one_hot, mistakes, generic)


# --- chapter 2 ----------------------------------------------------------------------------

def _pe_dimension_index(n_positions, d_model):
    p, j = np.arange(n_positions)[:, None], np.arange(d_model)
    angle = p / 10000 ** (j / d_model)
    return np.where(j % 2 == 0, np.sin(angle), np.cos(angle))


def _pe_swapped(n_positions, d_model):
    pe = positional.positional_encoding(n_positions, d_model)
    return pe.reshape(n_positions, -1, 2)[..., ::-1].reshape(n_positions, d_model)


def _pe_blocks(n_positions, d_model):
    pe = positional.positional_encoding(n_positions, d_model)
    return np.concatenate([pe[:, 0::2], pe[:, 1::2]], axis=1)


def _pe_inverted(n_positions, d_model):
    p, i = np.arange(n_positions)[:, None], np.arange(d_model // 2)
    angle = p * 10000 ** (2 * i / d_model)
    pe = np.empty((n_positions, d_model))
    pe[:, 0::2], pe[:, 1::2] = np.sin(angle), np.cos(angle)
    return pe


def positional_encoding(answer):
    """positional_encoding(n_positions, d_model) → (n_positions, d_model)."""
    cases = [dict(n_positions=2, d_model=4), dict(n_positions=5, d_model=8),
             dict(n_positions=3, d_model=16)]
    mistakes = [
        (_pe_dimension_index,
         "the frequency uses the dimension index j; it must use the pair index "
         "i = j // 2, so dimensions 2i and 2i+1 share one frequency (the last "
         "entry of PE(1) for d_model = 4 is cos(0.01), not cos(0.1))."),
        (_pe_swapped, "sin and cos are swapped: even dimensions 2i take the sine, "
                      "odd ones 2i+1 the cosine."),
        (_pe_blocks, "all the sines come first and then all the cosines; the book "
                     "interleaves them: sin, cos, sin, cos, … (PE[:, 0::2] and PE[:, 1::2])."),
        (_pe_inverted, "the angle is p times 10000^(2i/d): it must be p divided by "
                       "it (the frequency ω_i = 1/10000^(2i/d) falls with i)."),
    ]
    _run("positional_encoding", answer, cases, positional.positional_encoding, mistakes)


# --- chapter 3 ----------------------------------------------------------------------------

def softmax(answer):
    """softmax(x) along the last axis, for a row or a matrix of scores."""
    cases = [dict(x=np.array([1.0, 2.0, 3.0])),
             dict(x=np.array([[0.5, -1.0, 2.0], [0.0, 0.0, 0.0]])),
             dict(x=np.array([[1000.0, 1001.0, 1002.0], [-5.0, 0.0, 5.0]])),
             dict(x=np.array([[1.0, -np.inf, 3.0]]))]

    def generic(args, got, want):
        got = np.asarray(got, dtype=float)
        if got.shape != want.shape:
            return "the result has the shape of x: one probability per score."
        if not np.isfinite(got).all() and np.isfinite(args["x"]).all():
            return ("NaN or inf for large scores: exp(1000) overflows. Subtract each "
                    "row's maximum before exponentiating (it cancels in the ratio).")
        sums = got.sum(axis=-1)
        if got.ndim == 2 and np.allclose(got.sum(axis=0), 1):
            return ("the columns sum to 1, not the rows: normalise along the last "
                    "axis (axis=-1, keepdims=True).")
        if not np.allclose(sums, 1):
            return (f"the rows sum to {_fmt(np.round(sums, 3))}, not 1: divide each "
                    f"exponential by its row's sum of exponentials (was the maximum "
                    f"subtracted after exponentiating?).")
        return None
    _run("softmax", answer, cases, lambda x: attention.softmax(x), (), generic)


# --- chapter 4 ----------------------------------------------------------------------------

def merge_heads(answer):
    """merge_heads(H): (h, n, d) → (n, h·d), row t = [head 0's row t, head 1's row t, …]."""
    rng = np.random.default_rng(4)
    cases = [dict(H=np.arange(12.0).reshape(2, 2, 3)),
             dict(H=np.round(rng.normal(size=(3, 4, 2)), 2)),
             dict(H=np.arange(6.0).reshape(2, 3, 1))]
    mistakes = [
        (lambda H: H.reshape(H.shape[1], -1),
         "a reshape without the transpose: it reads (h, n, d) in memory order, so a "
         "row mixes tokens of one head. Swap the head and token axes first."),
        (lambda H: np.concatenate(list(H), axis=0).reshape(H.shape[1], -1),
         "the heads were stacked along the tokens and then reshaped: concatenate "
         "each token's rows side by side (along the last axis)."),
        (lambda H: attention.merge_heads(H[::-1]),
         "the heads are in reverse order: head 0's columns come first."),
    ]

    def generic(args, got, want):
        if np.asarray(got).shape != want.shape:
            return ("the result is (n, h·d): one row per token, every head's numbers "
                    "side by side.")
    _run("merge_heads", answer, cases, lambda H: attention.merge_heads(H), mistakes,
         generic)


# --- chapter 5 ----------------------------------------------------------------------------

def _ffn_cases():
    rng = np.random.default_rng(5)
    out = []
    for n, d, f in ((2, 4, 8), (3, 2, 5), (1, 3, 4)):
        out.append(dict(x=np.round(rng.normal(size=(n, d)), 2),
                        W1=np.round(rng.normal(size=(d, f)), 2),
                        b1=np.round(rng.normal(size=f), 2),
                        W2=np.round(rng.normal(size=(f, d)), 2),
                        b2=np.round(rng.normal(size=d), 2)))
    return out


def feed_forward(answer):
    """feed_forward(x, W1, b1, W2, b2) = max(0, x W1 + b1) W2 + b2."""
    relu = layers.relu

    def ref(x, W1, b1, W2, b2):                 # mathlib's own feed-forward layer
        return layers.feed_forward(x, layers.FeedForwardParams(W1, b1, W2, b2))
    mistakes = [
        (lambda x, W1, b1, W2, b2: (x @ W1 + b1) @ W2 + b2,
         "no ReLU: without max(0, ·) between the two layers they collapse into one "
         "linear map."),
        (lambda x, W1, b1, W2, b2: relu(relu(x @ W1 + b1) @ W2 + b2),
         "a ReLU after the second layer too: the output must be free to be negative."),
        (lambda x, W1, b1, W2, b2: relu(x @ W1) @ W2 + b2,
         "b1 is missing: add it before the ReLU."),
        (lambda x, W1, b1, W2, b2: relu(x @ W1) @ W2 + b1 @ W2 + b2,
         "b1 is added after the ReLU: it belongs inside, max(0, x W1 + b1)."),
        (lambda x, W1, b1, W2, b2: relu(x @ W1 + b1) @ W2,
         "b2 is missing: add it after the second product."),
    ]
    _run("feed_forward", answer, _ffn_cases(), ref, mistakes)


# --- chapter 6 ----------------------------------------------------------------------------

def layer_norm(answer):
    """layer_norm(x, gamma, beta, eps) over the last axis."""
    cases = [dict(x=np.array([[1.0, 1.0, 0.0, -1.0], [2.0, 0.5, 1.5, 3.0]]),
                  gamma=np.ones(4), beta=np.zeros(4), eps=1e-5),
             dict(x=np.array([[1.0, 2.0, 4.0], [0.0, 0.0, 3.0]]),
                  gamma=np.array([1.0, 2.0, 0.5]), beta=np.array([0.1, 0.0, -1.0]), eps=1e-5),
             dict(x=np.array([[0.001, 0.002, 0.0, 0.003]]), gamma=np.ones(4),
                  beta=np.zeros(4), eps=1e-5),
             dict(x=np.array([[3.0, 1.0], [1.0, 3.0]]), gamma=np.ones(2), beta=np.zeros(2),
                  eps=0.5)]

    def centred(x):
        return x - x.mean(axis=-1, keepdims=True)
    mistakes = [
        (lambda x, gamma, beta, eps: centred(x) / (x.std(axis=-1, keepdims=True) + eps)
         * gamma + beta,
         "eps is added outside the square root: it belongs inside, "
         "√(var + eps), as in the paper's code and in PyTorch."),
        (lambda x, gamma, beta, eps: centred(x) / np.sqrt(x.var(axis=-1, ddof=1, keepdims=True)
                                                          + eps) * gamma + beta,
         "the variance divides by d − 1 (the unbiased estimate, ddof=1); layer "
         "norm divides by d."),
        (lambda x, gamma, beta, eps: (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps)
         * gamma + beta,
         "the mean and variance are taken down the columns (over the tokens); "
         "take them along each row (axis=-1, keepdims=True)."),
        (lambda x, gamma, beta, eps: centred(x) / np.sqrt(x.var(axis=-1, keepdims=True) + eps),
         "gamma and beta are missing: scale by gamma and shift by beta at the end."),
    ]
    _run("layer_norm", answer, cases, lambda x, gamma, beta, eps:
         layers.layer_norm(x, gamma, beta, eps), mistakes)


# --- chapter 7 ----------------------------------------------------------------------------

def _encoder_cases():
    from . import example
    p = example.PARAMS.encoder_layers
    X = transformer.embed_with_positions(np.array([3, 4]), example.PARAMS)
    Y = transformer.embed_with_positions(np.array([5, 9, 3]), example.PARAMS)
    return [dict(X=X, p=p[0], __desc__={"p": "example.PARAMS.encoder_layers[0]"}),
            dict(X=Y, p=p[1], __desc__={"p": "example.PARAMS.encoder_layers[1]"}),
            dict(X=X, p=p[5], __desc__={"p": "example.PARAMS.encoder_layers[5]"})]


def encoder_layer(answer):
    """encoder_layer(X, p) → the block's output (n, d_model) (no weights)."""
    mha, ffn, norm = attention.multi_head_attention, layers.feed_forward, layers.add_and_norm

    def ln(x, n):
        return layers.layer_norm(x, n.gamma, n.beta, n.eps)
    mistakes = [
        (lambda X, p: ln(ffn(ln(mha(X, X, p.self_attn)[0], p.norm1), p.ffn), p.norm2),
         "the residual connections are missing: each sub-layer's output is added "
         "to its input before the norm, LN(X + SelfAttn(X))."),
        (lambda X, p: (lambda X1: X1 + ffn(ln(X1, p.norm2), p.ffn))(
            X + mha(ln(X, p.norm1), ln(X, p.norm1), p.self_attn)[0]),
         "that is pre-LN (norm first, then the sub-layer, then add): the book's "
         "encoder is post-LN, LN(X + Sublayer(X))."),
        (lambda X, p: norm(norm(X, mha(X, X, p.self_attn)[0], p.norm1), ffn(X, p.ffn), p.norm2),
         "the feed-forward network reads X: it must read X1, the output of the "
         "first sub-layer."),
        (lambda X, p: norm(X, mha(X, X, p.self_attn)[0], p.norm1),
         "only the attention sub-layer: the block has a second one, "
         "LN(X1 + FFN(X1))."),
    ]
    _run("encoder_layer", answer, _encoder_cases(),
         lambda X, p: transformer.encoder_layer(X, p)[0], mistakes)


# --- chapter 8 ----------------------------------------------------------------------------

def causal_mask(answer):
    """causal_mask(n) → (n, n) bool, True where position i may look (j ≤ i)."""
    cases = [dict(n=3), dict(n=5), dict(n=1)]
    mistakes = [
        (lambda n: np.triu(np.ones((n, n), dtype=bool)),
         "True above the diagonal lets each position see the future; a position "
         "may look at itself and the past: True on and below the diagonal."),
        (lambda n: np.tril(np.ones((n, n), dtype=bool), k=-1),
         "the diagonal is False: a position must see itself (else the first row "
         "sees nothing and its softmax is 0/0)."),
        (lambda n: ~np.tril(np.ones((n, n), dtype=bool)),
         "True and False are swapped: in mathlib True means 'may attend'."),
    ]

    def generic(args, got, want):
        got = np.asarray(got)
        if got.shape == want.shape and got.dtype != bool:
            return ("the values are right but not booleans: mathlib's masks are bool "
                    "(dtype=bool, or compare, e.g. j <= i).")
    _run("causal_mask", answer, cases, attention.causal_mask, mistakes, generic)


# --- chapter 9 ----------------------------------------------------------------------------

def sample_probabilities(answer):
    """sample_probabilities(logits, temperature, top_k) → (V,) probabilities."""
    z = np.array([2.0, 1.0, 0.5, -1.0, 0.0])
    cases = [dict(logits=z, temperature=1.0, top_k=None),
             dict(logits=z, temperature=0.5, top_k=None),
             dict(logits=z, temperature=2.0, top_k=3),
             dict(logits=np.array([0.3, 1.2, -0.7, 1.2]), temperature=1.0, top_k=1),
             dict(logits=np.array([1.0, -np.inf, 3.0, 0.0]), temperature=1.5, top_k=2)]
    sm = attention.softmax

    def keep_top(p, k):
        if k is None:
            return p
        out = np.zeros_like(p)
        best = np.argsort(-p, kind="stable")[:k]
        out[best] = p[best]
        return out
    mistakes = [
        (lambda logits, temperature, top_k: generate.sample_probabilities(
            logits * temperature, 1.0, top_k),
         "the logits are multiplied by T: divide them, softmax(z / T), so a small "
         "T sharpens the distribution."),
        (lambda logits, temperature, top_k: keep_top(sm(logits / temperature), top_k),
         "the probabilities outside the top k were set to 0 after the softmax, so "
         "they no longer sum to 1: keep the top k logits first (the others -inf), "
         "then take the softmax."),
        (lambda logits, temperature, top_k: generate.sample_probabilities(
            -logits, temperature, top_k) if top_k else sm(logits / temperature),
         "the k smallest logits were kept: keep the k largest."),
        (lambda logits, temperature, top_k: generate.sample_probabilities(
            logits, 1.0, top_k),
         "the temperature is ignored: divide the logits by T before the softmax."),
    ]
    _run("sample_probabilities", answer, cases, generate.sample_probabilities, mistakes)


# --- chapter 10 ---------------------------------------------------------------------------

def cross_entropy(answer):
    """cross_entropy(logits, targets, pad_id) → the mean over non-padding targets."""
    rng = np.random.default_rng(10)
    cases = [dict(logits=np.array([[2.0, 0.5, -1.0]]), targets=np.array([0]), pad_id=2),
             dict(logits=np.round(rng.normal(size=(3, 5)), 2), targets=np.array([4, 1, 0]),
                  pad_id=0),
             dict(logits=np.round(rng.normal(size=(2, 4, 5)), 2),
                  targets=np.array([[3, 2, 0, 0], [1, 4, 2, 0]]), pad_id=0)]

    def picked(logits, targets):
        return np.take_along_axis(loss.log_softmax(logits), targets[..., None], -1)[..., 0]
    mistakes = [
        (lambda logits, targets, pad_id: float(-picked(logits, targets).mean()),
         "the padding positions are counted: leave out every target equal to pad_id "
         "(in the sum and in the count)."),
        (lambda logits, targets, pad_id: float(-picked(logits, targets)[targets != pad_id].sum()),
         "that is the sum over the real targets: the loss is their mean."),
        (lambda logits, targets, pad_id: float(picked(logits, targets)[targets != pad_id].mean()),
         "the sign: the loss is minus the mean log-probability (it is ≥ 0)."),
        (lambda logits, targets, pad_id: float(-np.take_along_axis(
            logits, targets[..., None], -1)[..., 0][targets != pad_id].mean()),
         "the raw logit of the target was used: take the log of its softmax "
         "probability, log_softmax(z)[target]."),
    ]

    def generic(args, got, want):
        if not np.isscalar(got) and np.asarray(got).shape != ():
            return "the loss is one number: the mean over the real positions."
    _run("cross_entropy", answer, cases,
         lambda logits, targets, pad_id: loss.cross_entropy(logits, targets, pad_id),
         mistakes, generic)


# --- chapter 11 ---------------------------------------------------------------------------

def warmup_lr(answer):
    """warmup_lr(step, d_model, warmup) → the paper's learning rate at `step`."""
    cases = [dict(step=1, d_model=4, warmup=100), dict(step=50, d_model=4, warmup=100),
             dict(step=100, d_model=4, warmup=100), dict(step=400, d_model=4, warmup=100),
             dict(step=4000, d_model=512, warmup=4000)]

    def ref(step, d_model, warmup):
        return float(train.warmup_lr(step, d_model, warmup))
    mistakes = [
        (lambda step, d_model, warmup: d_model ** -0.5 * min(step ** 0.5, step * warmup ** -1.5),
         "after the warm-up the rate decays as step^−0.5 (1/√step), yours keeps rising (step^0.5 instead of step^−0.5?)."),
        (lambda step, d_model, warmup: d_model ** -0.5 * max(step ** -0.5, step * warmup ** -1.5),
         "max instead of min: the rate is the smaller of the two branches (the rising "
         "line during warm-up, the 1/√step decay after)."),
        (lambda step, d_model, warmup: min(step ** -0.5, step * warmup ** -1.5),
         "the factor d_model^−0.5 is missing."),
        (lambda step, d_model, warmup: d_model ** -0.5 * min(step ** -0.5, step * warmup ** -0.5),
         "the warm-up branch is step · warmup^−1.5, not warmup^−0.5: the two "
         "branches meet at step = warmup."),
    ]
    _run("warmup_lr", answer, cases, ref, mistakes)


# --- chapter 12 ---------------------------------------------------------------------------

def _spanish(det, adj, noun, article_g=None, adj_g=None, before=False):
    """A phrase by the rule with some of it wrong: the article or the
    adjective in a fixed gender (0 or 1; None: the noun's), or the
    adjective before the noun."""
    spanish, gender = phrases.NOUNS[noun]
    g = 0 if gender == "m" else 1
    article = phrases.DETERMINERS[det][g if article_g is None else article_g]
    adjective = phrases.ADJECTIVES[adj][g if adj_g is None else adj_g]
    words = (article, adjective, spanish) if before else \
        (article, spanish, adjective)
    return " ".join(words)


def _spanish_swapped(det, adj, noun):
    g = 1 if phrases.NOUNS[noun][1] == "m" else 0
    return _spanish(det, adj, noun, article_g=g, adj_g=g)


def translate_phrase(answer):
    """translate_phrase(det, adj, noun) → the Spanish phrase, by the rule
    of chapter 12 (phrases.translate): article, noun, adjective, the
    article and the adjective in the noun's gender."""
    cases = [dict(det="the", adj="red", noun="car"),
             dict(det="the", adj="red", noun="house"),
             dict(det="a", adj="old", noun="door"),
             dict(det="a", adj="new", noun="book"),
             dict(det="the", adj="clean", noun="window"),
             dict(det="a", adj="cheap", noun="shirt")]
    mistakes = [
        (lambda det, adj, noun: _spanish(det, adj, noun, before=True),
         "the adjective comes before the noun, as in English: Spanish "
         "puts it after the noun."),
        (lambda det, adj, noun: _spanish(det, adj, noun, 0, 0),
         "the article and the adjective are masculine whatever the noun: "
         "both take the noun's gender, the second element of "
         "phrases.NOUNS[noun]."),
        (lambda det, adj, noun: _spanish(det, adj, noun, article_g=0),
         "the article is masculine whatever the noun: it takes the "
         "noun's gender (phrases.DETERMINERS[det] holds the masculine "
         "and the feminine article)."),
        (lambda det, adj, noun: _spanish(det, adj, noun, adj_g=0),
         "the adjective does not agree: it takes the noun's gender "
         "(phrases.ADJECTIVES[adj] holds the masculine and the feminine "
         "form)."),
        (_spanish_swapped,
         "the genders are swapped: in each (masculine, feminine) pair "
         "the masculine form comes first, and 'm' marks a masculine "
         "noun."),
        (lambda det, adj, noun: _spanish("a" if det == "the" else "the",
                                         adj, noun),
         "the articles are swapped: 'the' is the definite article, 'a' "
         "the indefinite one (see phrases.DETERMINERS)."),
    ]

    def generic(args, got, want):
        if isinstance(got, (list, tuple)):
            return ("return one string, the words one space apart, not "
                    "a list of words.")
        if not isinstance(got, str):
            return "return the Spanish phrase as a string."
        words = got.lower().replace("<eos>", "").split()
        if words == want.split():
            return ("the words are right: write them in lower case, one "
                    "space apart, and nothing else.")
        if sorted(words) == sorted(want.split()):
            return ("the right words in the wrong order: the article, "
                    "then the noun, then the adjective.")
        if args["noun"] in words or args["adj"] in words:
            return ("an English word is left: translate the noun and "
                    "the adjective (phrases.NOUNS, phrases.ADJECTIVES).")
    _run("translate_phrase", answer, cases, phrases.translate, mistakes,
         generic)
