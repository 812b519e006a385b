"""The book's running example: "Hello World" → "Hola Mundo", with fixed toy parameters.

Every chapter takes its numbers from here, so the text, the code and the
tests all see the same arrays. The arrays are read-only: a chapter that wants
to experiment makes a copy.

The toy sizes follow "The Random Transformer": d_model 4, two heads of
d_k = d_v = 3, d_ff 8, six encoder and six decoder layers, ten tokens.
"""
import numpy as np

from .attention import AttentionParams
from .layers import FeedForwardParams, LayerNormParams
from .transformer import Config, DecoderLayerParams, EncoderLayerParams, TransformerParams

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


def _attention(rng, c):
    return AttentionParams(
        W_Q=_small_ints(rng, (c.d_model, c.n_heads * c.d_k)), W_K=_small_ints(rng, (c.d_model, c.n_heads * c.d_k)),
        W_V=_small_ints(rng, (c.d_model, c.n_heads * c.d_v)), W_O=_tenths(rng, (c.n_heads * c.d_v, c.d_model)),
        b_Q=np.zeros(c.n_heads * c.d_k), b_K=np.zeros(c.n_heads * c.d_k),
        b_V=np.zeros(c.n_heads * c.d_v), b_O=np.zeros(c.d_model))


def _ffn(rng, c):
    return FeedForwardParams(W1=_tenths(rng, (c.d_model, c.d_ff)), b1=_tenths(rng, (c.d_ff,)),
                             W2=_tenths(rng, (c.d_ff, c.d_model)), b2=_tenths(rng, (c.d_model,)))


def _norm(c):
    return LayerNormParams(gamma=np.ones(c.d_model), beta=np.zeros(c.d_model))


def _freeze(obj):
    if isinstance(obj, np.ndarray):
        obj.setflags(write=False)
    elif isinstance(obj, list):
        for x in obj:
            _freeze(x)
    elif hasattr(obj, "__dataclass_fields__"):
        for x in vars(obj).values():
            _freeze(x)
    return obj


def example_params(seed=SEED, config=CONFIG):
    """The toy model's parameters, every one drawn once from np.random.default_rng(seed).

    Attention W_Q, W_K, W_V hold small integers; W_O, the feed-forward weights
    and the output layer hold one-decimal numbers; biases of attention are 0;
    layer norms start at gamma = 1, beta = 0. Arrays are read-only.
    """
    rng = np.random.default_rng(seed)
    c = config
    enc = [EncoderLayerParams(_attention(rng, c), _norm(c), _ffn(rng, c), _norm(c))
           for _ in range(c.n_encoder_layers)]
    dec = [DecoderLayerParams(_attention(rng, c), _norm(c), _attention(rng, c), _norm(c), _ffn(rng, c), _norm(c))
           for _ in range(c.n_decoder_layers)]
    return _freeze(TransformerParams(
        embedding=EMBEDDINGS.copy(), encoder_layers=enc, decoder_layers=dec,
        W_out=_tenths(rng, (c.d_model, c.vocab_size)), b_out=np.zeros(c.vocab_size)))


EMBEDDINGS.setflags(write=False)
PARAMS = example_params()
