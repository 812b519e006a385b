"""The self-checking exercises of Part I, Encoder (chapters 1–7).

    check.one_hot(f)              chapter 1      check.feed_forward(f)     chapter 5
    check.positional_encoding(f)  chapter 2      check.layer_norm(f)       chapter 6
    check.softmax(f)              chapter 3      check.encoder_layer(f)    chapter 7
    check.merge_heads(f)          chapter 4

Each runs the reader's answer against mathlib and prints the verdict (mathlib.check.verdict).
"""
import numpy as np

from .. import attention, embedding, layers, positional, transformer
from .verdict import fmt, run


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
    run("one_hot", answer, cases, embedding.one_hot, mistakes, generic)


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
    run("positional_encoding", answer, cases, positional.positional_encoding, mistakes)


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
            return (f"the rows sum to {fmt(np.round(sums, 3))}, not 1: divide each "
                    f"exponential by its row's sum of exponentials (was the maximum "
                    f"subtracted after exponentiating?).")
        return None
    run("softmax", answer, cases, lambda x: attention.softmax(x), (), generic)


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
    run("merge_heads", answer, cases, lambda H: attention.merge_heads(H), mistakes,
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
    run("feed_forward", answer, _ffn_cases(), ref, mistakes)


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
    run("layer_norm", answer, cases, lambda x, gamma, beta, eps:
        layers.layer_norm(x, gamma, beta, eps), mistakes)


# --- chapter 7 ----------------------------------------------------------------------------

def _encoder_cases():
    from .. import example
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
    run("encoder_layer", answer, _encoder_cases(),
        lambda X, p: transformer.encoder_layer(X, p)[0], mistakes)
