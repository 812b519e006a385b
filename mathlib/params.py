"""The model's parameters: their sizes (Config), their dataclasses, building, walking, counting.

init_params is the one builder: every parameter is drawn once, through a `draw`
function, in a fixed order (mathlib.example draws the toy values, interop reads
a torch state_dict, train.load reads a file). map_arrays is the one walker.
A TransformerParams checks itself against its Config once, when built: the
layers never look at the config again.
"""
import math
from dataclasses import dataclass, fields, is_dataclass, replace

import numpy as np

from . import _checks
from .attention import AttentionParams
from .layers import EPS, FeedForwardParams, LayerNormParams


@dataclass(frozen=True)
class Config:
    """Sizes of the model. The defaults are the paper's base model: d_model 512, 8 heads of
    d_k = d_v = 64, d_ff 2048, 6 + 6 layers, a shared vocabulary of 37 000 tokens.
    The book's toy model is mathlib.example.CONFIG.

    final_norm: torch.nn.Transformer ends both stacks with one more layer norm,
        which the paper's Figure 1 does not draw. False follows the paper;
        True matches torch (and the later pre-LN models, where it is needed).
    scale_embeddings: multiply looked-up embeddings by √d_model (paper §3.4).
    tie_embeddings: W_out is embedding.T, one matrix used twice (paper §3.4);
        False keeps a separate output matrix.
    """
    d_model: int = 512
    n_heads: int = 8
    d_k: int = 64
    d_v: int = 64
    d_ff: int = 2048
    n_encoder_layers: int = 6
    n_decoder_layers: int = 6
    vocab_size: int = 37000
    max_len: int = 512
    eps: float = EPS
    final_norm: bool = False
    scale_embeddings: bool = True
    pad_id: int = 0
    tie_embeddings: bool = False

    def __post_init__(self):
        for name in ("d_model", "n_heads", "d_k", "d_v", "d_ff", "vocab_size", "max_len"):
            _checks.positive_int(f"Config.{name}", getattr(self, name))
        for name in ("n_encoder_layers", "n_decoder_layers"):
            _checks.positive_int(f"Config.{name}", getattr(self, name), least=0)
        if self.d_model % 2:
            raise ValueError(f"Config.d_model must be even for the sin/cos positional encoding, got {self.d_model}")
        _checks.positive_number("Config.eps", self.eps)
        for name in ("final_norm", "scale_embeddings", "tie_embeddings"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"Config.{name} must be True or False, got {getattr(self, name)!r}")
        if _checks.positive_int("Config.pad_id", self.pad_id, least=0) >= self.vocab_size:
            raise ValueError(f"Config.pad_id must be a token id in 0..{self.vocab_size - 1}, got {self.pad_id!r}")


@dataclass
class EncoderLayerParams:
    self_attn: AttentionParams
    norm1: LayerNormParams
    ffn: FeedForwardParams
    norm2: LayerNormParams


@dataclass
class DecoderLayerParams:
    self_attn: AttentionParams
    norm1: LayerNormParams
    cross_attn: AttentionParams
    norm2: LayerNormParams
    ffn: FeedForwardParams
    norm3: LayerNormParams


@dataclass
class TransformerParams:
    """Every parameter of the model, with the Config it was built for.

    embedding: (vocab_size, d_model), shared by source and target.
    W_out: (d_model, vocab_size), b_out: (vocab_size,): the final linear layer;
        with config.tie_embeddings, W_out is embedding.T (the same memory).
    encoder_norm / decoder_norm: LayerNormParams with config.final_norm, else None.
    Checked against config once, here: the layers never look at config again.
    """
    config: Config
    embedding: np.ndarray
    encoder_layers: list
    decoder_layers: list
    W_out: np.ndarray
    b_out: np.ndarray
    encoder_norm: LayerNormParams = None
    decoder_norm: LayerNormParams = None

    def __post_init__(self):
        _check_model(self)


# --- building parameters: init_params is the one builder ------------------------------------

def glorot(rng, path, shape):
    """The usual initial values (the default `draw` of init_params): Glorot-uniform
    matrices, U(±√(6 / (fan_in + fan_out))), embeddings N(0, 1/d_model), gamma 1, biases and beta 0."""
    name = path.rsplit(".", 1)[-1]
    if name == "embedding":
        return rng.normal(0, shape[1] ** -0.5, size=shape)
    if name == "gamma":
        return np.ones(shape)
    if len(shape) == 2:
        limit = math.sqrt(6 / (shape[0] + shape[1]))
        return rng.uniform(-limit, limit, size=shape)
    return np.zeros(shape)


def init_params(config, rng, draw=None):
    """Every parameter of a model for `config`, each drawn once through `draw`, in a fixed order.

    draw(rng, path, shape) → array gives the parameter at `path`, e.g.
    "decoder_layers[1].cross_attn.W_Q" (the layers in order, each part in field
    order, then embedding, W_out, b_out and the final norms). The default is
    `glorot`; mathlib.example draws the toy values, interop reads a state_dict.
    With config.tie_embeddings, W_out is embedding.T and is not drawn.
    """
    if draw is None:
        if not isinstance(rng, np.random.Generator):
            raise TypeError("rng must be a np.random.Generator, e.g. np.random.default_rng(0)")
        draw = glorot
    c = config
    enc = [init_layer(EncoderLayerParams, c, rng, draw, f"encoder_layers[{i}].")
           for i in range(c.n_encoder_layers)]
    dec = [init_layer(DecoderLayerParams, c, rng, draw, f"decoder_layers[{i}].")
           for i in range(c.n_decoder_layers)]
    shapes = _shapes(c)
    emb = draw(rng, "embedding", shapes["embedding"])
    W_out = emb.T if c.tie_embeddings else draw(rng, "W_out", shapes["W_out"])   # tied: one matrix, twice
    b_out = draw(rng, "b_out", shapes["b_out"])
    norms = [_build(LayerNormParams, c, rng, draw, f"{s}_norm.") if c.final_norm else None
             for s in ("encoder", "decoder")]
    return TransformerParams(c, emb, enc, dec, W_out, b_out, *norms)


def init_layer(kind, config, rng, draw, path=""):
    """One EncoderLayerParams or DecoderLayerParams (`kind`), its parts built in field order."""
    return kind(*(_build(_PART.get(f.name, LayerNormParams), config, rng, draw, f"{path}{f.name}.")
                  for f in fields(kind)))


_PART = {"self_attn": AttentionParams, "cross_attn": AttentionParams, "ffn": FeedForwardParams}  # else norms


def _build(cls, c, rng, draw, path):
    shapes = _shapes(c)
    extra = {AttentionParams: {"n_heads": c.n_heads}, LayerNormParams: {"eps": c.eps}}.get(cls, {})
    return cls(**{f.name: draw(rng, path + f.name, shapes[f.name]) for f in fields(cls) if f.name in shapes},
               **extra)


def _shapes(c):
    """The shape of every parameter, by field name."""
    d, hk, hv, V = c.d_model, c.n_heads * c.d_k, c.n_heads * c.d_v, c.vocab_size
    return dict(W_Q=(d, hk), W_K=(d, hk), W_V=(d, hv), W_O=(hv, d), b_Q=(hk,), b_K=(hk,), b_V=(hv,), b_O=(d,),
                W1=(d, c.d_ff), b1=(c.d_ff,), W2=(c.d_ff, d), b2=(d,), gamma=(d,), beta=(d,),
                embedding=(V, d), W_out=(d, V), b_out=(V,))


def map_arrays(fn, tree, path=""):
    """The one walker over parameters: `tree` with every array a replaced by fn(path, a).

    Walks dataclasses field by field and lists item by item (paths such as
    "decoder_layers[1].cross_attn.W_Q"); other values (None, ints, a Config)
    stay. Casting returns new arrays, and the dataclasses are rebuilt (so
    checked again); counting, freezing and checking return each array as it
    is, and then nothing is rebuilt: the walk returns `tree` itself.
    """
    if isinstance(tree, np.ndarray):
        return fn(path, tree)
    if isinstance(tree, list):
        new = [map_arrays(fn, t, f"{path}[{i}]") for i, t in enumerate(tree)]
        return tree if all(a is b for a, b in zip(new, tree)) else new
    if is_dataclass(tree) and not isinstance(tree, type):
        changed = {}
        for f in fields(tree):
            v = getattr(tree, f.name)
            w = map_arrays(fn, v, f"{path}.{f.name}" if path else f.name)
            if w is not v:
                changed[f.name] = w
        return replace(tree, **changed) if changed else tree
    return tree


def cast_params(params, dtype):
    """A copy of `params` (any parameter dataclass, or a list of them) with every array converted
    to `dtype`, e.g. np.float32 for the benchmark. Tied embeddings stay tied."""
    return map_arrays(lambda path, a: a.astype(dtype), params)


def count_parameters(params):
    """The number of numbers in a parameter object (a dataclass, a list of them, or an array),
    counted from its arrays; an array used twice (tied embeddings) counts once."""
    sizes = {}

    def visit(path, a):
        sizes[(a.__array_interface__["data"][0], a.size)] = a.size   # a view of the same numbers: one key
        return a
    map_arrays(visit, params)
    return sum(sizes.values())


def parameter_counts(config):
    """Parameters per part, from the sizes in `config` alone (no arrays): a dict with
    'attention', 'feed_forward', 'layer_norm', 'encoder_layer', 'decoder_layer',
    'encoder', 'decoder', 'final_norms', 'stacks' (encoder + decoder + final norms),
    'embedding', 'output' (b_out only when tied) and 'total'.

    >>> counts = parameter_counts(Config())      # the paper's base model
    >>> counts["attention"], counts["stacks"]
    (1050624, 44138496)
    """
    c = config
    hk, hv = c.n_heads * c.d_k, c.n_heads * c.d_v
    attention = (2 * (c.d_model * hk + hk)        # W_Q, W_K and their biases
                 + c.d_model * hv + hv            # W_V and its bias
                 + hv * c.d_model + c.d_model)    # W_O and its bias
    feed_forward = c.d_model * c.d_ff + c.d_ff + c.d_ff * c.d_model + c.d_model
    norm = 2 * c.d_model
    enc_layer = attention + feed_forward + 2 * norm
    dec_layer = 2 * attention + feed_forward + 3 * norm
    counts = dict(attention=attention, feed_forward=feed_forward, layer_norm=norm,
                  encoder_layer=enc_layer, decoder_layer=dec_layer,
                  encoder=c.n_encoder_layers * enc_layer, decoder=c.n_decoder_layers * dec_layer,
                  final_norms=2 * norm if c.final_norm else 0, embedding=c.vocab_size * c.d_model,
                  output=c.vocab_size + (0 if c.tie_embeddings else c.d_model * c.vocab_size))
    counts["stacks"] = counts["encoder"] + counts["decoder"] + counts["final_norms"]
    counts["total"] = counts["stacks"] + counts["embedding"] + counts["output"]
    return counts


# --- the check: once, when a TransformerParams is built ---------------------------------------

def _check_model(p):
    c = p.config
    if not isinstance(c, Config):
        raise ValueError(f"config must be a Config, got {type(c).__name__}")
    p.embedding, p.b_out = _checks.float_array("embedding", p.embedding), _checks.float_array("b_out", p.b_out)
    if not c.tie_embeddings:
        p.W_out = _checks.float_array("W_out", p.W_out)
    elif not np.shares_memory(p.W_out, p.embedding):     # e.g. after cast_params: tie them again
        if np.shape(p.W_out) != p.embedding.T.shape or not np.array_equal(p.W_out, p.embedding.T):
            raise ValueError("config.tie_embeddings is True but W_out is not embedding.T")
        p.W_out = p.embedding.T                          # one array used twice
    for stack, kind, n in (("encoder_layers", EncoderLayerParams, c.n_encoder_layers),
                           ("decoder_layers", DecoderLayerParams, c.n_decoder_layers)):
        if len(getattr(p, stack)) != n or not all(isinstance(x, kind) for x in getattr(p, stack)):
            raise ValueError(f"{stack} must be a list of {n} {kind.__name__} (config)")
    for name in ("encoder_norm", "decoder_norm"):
        if c.final_norm != isinstance(getattr(p, name), LayerNormParams):
            raise ValueError(f"config.final_norm is {c.final_norm} but params.{name} is "
                             f"{'None' if c.final_norm else 'given'}; build them with init_params(config, ...)")
    shapes = _shapes(c)

    def fits(path, a):
        if a.shape != shapes[path.rsplit(".", 1)[-1]]:
            raise ValueError(f"{path} has shape {a.shape} but config (d_model={c.d_model}, n_heads={c.n_heads}, "
                             f"d_k={c.d_k}, d_v={c.d_v}, d_ff={c.d_ff}, vocab_size={c.vocab_size}) needs "
                             f"{shapes[path.rsplit('.', 1)[-1]]}")
        return a
    map_arrays(fits, p)
    for layer in p.encoder_layers + p.decoder_layers:
        for name, part in vars(layer).items():
            kind = _PART.get(name, LayerNormParams)
            if not isinstance(part, kind):
                raise ValueError(f"layer part {name} must be {kind.__name__}, got {type(part).__name__}")
            if getattr(part, "n_heads", c.n_heads) != c.n_heads or getattr(part, "eps", c.eps) != c.eps:
                raise ValueError(f"layer part {name} has n_heads={getattr(part, 'n_heads', '-')}, "
                                 f"eps={getattr(part, 'eps', '-')} but config has {c.n_heads}, {c.eps}")

