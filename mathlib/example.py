"""The book's running example: "Hello World" → "Hola Mundo", with fixed toy parameters.

Every chapter takes its numbers from here, so the text, the code and the
tests all see the same arrays. The arrays are read-only: a chapter that wants
to experiment makes a copy.

The toy sizes follow "The Random Transformer": d_model 4, two heads of
d_k = d_v = 3, d_ff 8, six encoder and six decoder layers, ten tokens.
PARAMS, the toy parameters (example_params()), is built on first use, so
`import mathlib` builds nothing.
"""
import numpy as np

from .transformer import Config, init_params, map_arrays

VOCAB = ("<pad>", "<sos>", "<eos>", "hello", "world", "goodbye", "hola", "mundo", "adios", "!")
PAD, SOS, EOS = 0, 1, 2

SOURCE = "Hello World"
TARGET = "Hola Mundo"

SEED = 401  # the one seed behind every drawn toy parameter

# The toy vectors are picked by hand so the arithmetic stays readable (the
# repeated 2, 3, 4 mean nothing); trained embeddings look like noise. They
# stand for embeddings already multiplied by √d_model (paper §3.4), so the
# toy config does not scale them again.
EMBEDDINGS = np.array([
    [0, 0, 0, 0],   # <pad>
    [1, 0, 1, 0],   # <sos>
    [0, 1, 0, 1],   # <eos>
    [1, 2, 3, 4],   # hello
    [2, 3, 4, 5],   # world
    [4, 3, 2, 1],   # goodbye
    [1, 1, 2, 2],   # hola
    [2, 2, 1, 1],   # mundo
    [3, 1, 3, 1],   # adios
    [0, 2, 0, 2],   # !
], dtype=np.float64)

CONFIG = Config(d_model=4, n_heads=2, d_k=3, d_v=3, d_ff=8, n_encoder_layers=6, n_decoder_layers=6,
                vocab_size=len(VOCAB), max_len=16, eps=1e-5, final_norm=False, scale_embeddings=False,
                pad_id=PAD)


def _small_ints(rng, shape):
    """Entries from {-1, 0, 1}: products a reader can do in their head."""
    return rng.integers(-1, 2, size=shape).astype(np.float64)


def _tenths(rng, shape):
    """Normal draws rounded to one decimal: readable, and never tied."""
    return np.round(rng.normal(0, 0.5, size=shape), 1)


def toy_draw(rng, path, shape):
    """The toy values, one parameter at a time (init_params' `draw`): the hand-picked
    EMBEDDINGS; small integers in attention's W_Q, W_K, W_V; one-decimal numbers in W_O,
    the feed-forward weights and biases and the output layer; zero attention and output
    biases; layer norms at gamma = 1, beta = 0."""
    name = path.rsplit(".", 1)[-1]
    if name == "embedding":
        return EMBEDDINGS.copy()
    if name in ("W_Q", "W_K", "W_V"):
        return _small_ints(rng, shape)
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


EMBEDDINGS.setflags(write=False)


def __getattr__(name):
    """PARAMS is built on first use, not when mathlib is imported."""
    if name == "PARAMS":
        global PARAMS
        PARAMS = example_params()
        return PARAMS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
