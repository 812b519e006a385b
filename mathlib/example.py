"""The book's running example: "Hello World" → "Hola Mundo", with fixed toy parameters.

Every chapter takes its numbers from here, so the text, the code and the
tests all see the same arrays. The arrays are read-only: a chapter that wants
to experiment makes a copy.

The toy sizes follow "The Random Transformer": d_model 4, two heads of
d_k = d_v = 3, d_ff 8, six encoder and six decoder layers, ten tokens.
PARAMS, the toy parameters (example_params()), is built on first use, so
`import mathlib` builds nothing.

For readers who experiment (every chapter marks the lines to change with `# try it`):

    example.example_params(seed=7)                      another set of toy weights
    example.with_embedding("hello", [1, 0, 0, 1])        your own vector for a word
    example.claim(condition, "what the text says")       a sentence of the text, checked

After training (chapter 11): trained_params() is the book's trained model, stored
in mathlib/data/toy_trained.npz by tools/make_checkpoint.py; stored_runs() is the
record of that training run and of a second one from a start nudged by 1e-10.
"""
import functools
import json
import os
import sys
import textwrap

import numpy as np

from .transformer import Config, init_params, map_arrays

VOCAB = ("<pad>", "<sos>", "<eos>", "hello", "world", "goodbye", "hola", "mundo", "adios", "!")
PAD, SOS, EOS = 0, 1, 2

SOURCE = "Hello World"
TARGET = "Hola Mundo"

SEED = 288  # the one seed behind every drawn toy parameter

# The toy vectors are picked by hand from {-1, 0, 1} so the arithmetic stays readable;
# trained embeddings look like noise. No two of them differ by a constant vector, and
# no two are positive multiples of each other once their mean is removed: layer norm
# would map such a pair to the same vector (chapter 6 shows it). They stand for
# embeddings already multiplied by √d_model (paper §3.4), so the toy config does not
# scale them again. tools/choose_example.py shows how they, the weights' scale and
# SEED were chosen; tests/test_example_alive.py guards that the example stays alive.
EMBEDDINGS = np.array([
    [0, 0, 0, 0],     # <pad>
    [1, 0, 0, 0],     # <sos>
    [0, 0, 0, 1],     # <eos>
    [1, 1, 0, -1],    # hello
    [-1, 1, 1, 0],    # world
    [0, -1, 1, 1],    # goodbye
    [1, 0, 1, -1],    # hola
    [1, -1, 1, 0],    # mundo
    [1, 0, -1, 1],    # adios
    [0, 1, -1, 0],    # !
], dtype=np.float64)

CONFIG = Config(d_model=4, n_heads=2, d_k=3, d_v=3, d_ff=8, n_encoder_layers=6, n_decoder_layers=6,
                vocab_size=len(VOCAB), max_len=16, eps=1e-5, final_norm=False, scale_embeddings=False,
                pad_id=PAD)


def _halves(rng, shape):
    """Entries from {-1/2, 0, 1/2}: products a reader can do in their head. Their
    variance, 1/6, is close to Glorot's for these sizes, so attention does not saturate."""
    return rng.integers(-1, 2, size=shape) / 2


def _tenths(rng, shape):
    """Normal draws (standard deviation 0.2) rounded to one decimal: readable numbers
    (+ 0.0 turns the -0.0 that rounding leaves into 0.0)."""
    return np.round(rng.normal(0, 0.2, size=shape), 1) + 0.0


def toy_draw(rng, path, shape):
    """The toy values, one parameter at a time (init_params' `draw`): the hand-picked
    EMBEDDINGS; halves in attention's W_Q, W_K, W_V; one-decimal numbers in W_O,
    the feed-forward weights and biases and the output layer; zero attention and output
    biases; layer norms at gamma = 1, beta = 0."""
    name = path.rsplit(".", 1)[-1]
    if name == "embedding":
        return EMBEDDINGS.copy()
    if name in ("W_Q", "W_K", "W_V"):
        return _halves(rng, shape)
    if name in ("W_O", "W1", "b1", "W2", "b2", "W_out"):
        return _tenths(rng, shape)
    return np.ones(shape) if name == "gamma" else np.zeros(shape)


def example_params(seed=SEED, config=CONFIG):
    """The toy model's parameters, every one drawn once from np.random.default_rng(seed)
    through toy_draw. The arrays are read-only."""
    params = init_params(config, np.random.default_rng(seed), draw=toy_draw)
    return map_arrays(_read_only, params)


def _read_only(path, a):
    a.setflags(write=False)
    return a


def with_embedding(word, vector, params=None):
    """A writable copy of `params` (default: PARAMS) with the embedding of `word` replaced.

    >>> p = with_embedding("hello", [1, 0, 0, 1])
    >>> p.embedding[VOCAB.index("hello")].tolist()
    [1.0, 0.0, 0.0, 1.0]
    """
    params = sys.modules[__name__].PARAMS if params is None else params   # built on first use
    if word not in VOCAB:
        raise KeyError(f"unknown token {word!r}. The vocabulary is: {', '.join(VOCAB)}")
    vector = np.asarray(vector, dtype=np.float64)
    if vector.shape != (params.config.d_model,) or not np.isfinite(vector).all():
        raise ValueError(f"vector must hold {params.config.d_model} finite numbers, got shape "
                         f"{vector.shape}")
    params = map_arrays(lambda path, a: a.copy(), params)
    params.embedding[VOCAB.index(word)] = vector
    return params


def claim(condition, text):
    """Check a sentence of the text that holds for the book's example ("Hello World",
    SEED); with a reader's own sentence, vector or seed it may not, and then a note
    says so instead of stopping the notebook. Prints nothing when the claim holds.

    >>> claim(1 + 1 == 2, "one and one make two")
    >>> claim(False, "hello leans towards world")
    Note: the text says "hello leans towards world". That is true of the book's
    example ("Hello World", seed 288) but not of yours. Read on: the code is right
    either way.
    """
    if not bool(condition):
        print(textwrap.fill(f'Note: the text says "{text}". That is true of the book\'s example '
                            f'("{SOURCE}", seed {SEED}) but not of yours. Read on: the code is '
                            f'right either way.', width=80))


EMBEDDINGS.setflags(write=False)

_DATA = os.path.join(os.path.dirname(__file__), "data")


@functools.lru_cache(maxsize=None)
def trained_params():
    """The book's trained toy model: PARAMS trained with train.TOY_SETTINGS on the
    corpus's training pairs (chapter 11), as tools/make_checkpoint.py stored it in
    mathlib/data/toy_trained.npz. The same arrays on every machine, where a live run
    differs in its digits (training is chaotic). Read-only; read once."""
    with np.load(os.path.join(_DATA, "toy_trained.npz"), allow_pickle=False) as f:
        theta, config = f["theta"], Config(**json.loads(str(f["config"])))
    numbers = iter(theta)                      # in the order map_arrays walks the tree

    def read(path, a):
        return np.fromiter(numbers, np.float64, a.size).reshape(a.shape)
    params = map_arrays(read, init_params(config, np.random.default_rng(0)))
    if next(numbers, None) is not None or config.tie_embeddings:
        raise ValueError("toy_trained.npz does not hold the parameters of its config")
    return map_arrays(_read_only, params)


@functools.lru_cache(maxsize=None)
def stored_runs():
    """The record of the book's stored training run (tools/make_checkpoint.py), a dict of
    read-only arrays, one number per step: loss, exact (training pairs translated exactly
    after the step), and the same for a run whose start differs by a relative 1e-10
    (loss_perturbed, exact_perturbed), with delta, the largest difference between the
    two runs' parameters after each step."""
    with np.load(os.path.join(_DATA, "toy_runs.npz"), allow_pickle=False) as f:
        runs = {k: f[k] for k in f.files}
    for a in runs.values():
        a.setflags(write=False)
    return runs


def __getattr__(name):
    """PARAMS is built on first use, not when mathlib is imported."""
    if name == "PARAMS":
        global PARAMS
        PARAMS = example_params()
        return PARAMS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def previous_token_head(d_word=4, d_pos=4, scale=4.0):
    """A head built by hand whose every token attends to the token before it (chapter 4).

    Its input holds a token's word and its position side by side, [E | PE]:
    (n, d_word + d_pos), the word in the first d_word numbers. W_Q and W_K read only pair 0
    of the position (PE's dimensions 0 and 1, which turn by 1 radian per position), and W_Q
    turns it back one position with chapter 2's rotation R_1 (PE(p - 1) = PE(p) R_1 for a
    row): the query of position p is scale · PE(p - 1)[:2], the key of position j is
    scale · PE(j)[:2], and their dot product, scale² · cos(p - 1 - j), is largest at
    j = p - 1. The third column of W_Q and W_K is zero: two numbers are enough, and d_k = 3
    keeps the toy's head size. W_V copies the word, so the head's output at position p is
    close to the word at p - 1.
    Returns W_Q, W_K: (d_word + d_pos, 3) and W_V: (d_word + d_pos, d_word), read-only.
    """
    from .positional import rotation
    for name, v in (("d_word", d_word), ("d_pos", d_pos)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be a whole number ≥ 1, got {v!r}")
    if d_pos % 2:
        raise ValueError(f"d_pos must be even (sin/cos pairs), got {d_pos}")
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not scale > 0:
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    pair0 = np.zeros((d_pos, 3))
    pair0[0, 0] = pair0[1, 1] = 1.0                   # read PE's dimensions 0 and 1
    word = np.zeros((d_word, 3))                      # the word is not read
    W_Q = np.vstack([word, scale * rotation(1, d_pos) @ pair0])
    W_K = np.vstack([word, scale * pair0])
    W_V = np.vstack([np.eye(d_word), np.zeros((d_pos, d_word))])   # copy the word
    for a in (W_Q, W_K, W_V):
        a.setflags(write=False)
    return W_Q, W_K, W_V
