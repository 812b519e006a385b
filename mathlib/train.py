"""Training: dropout, Adam, the warm-up schedule, the training loop, saving and loading.

One training step, with teacher forcing (corpus.to_batch):

    logits, cache = grad.forward(src, <sos> y1 … yn, params, p_drop, rng)
    loss          = cross_entropy(logits, y1 … yn <eos>)        (padding left out)
    grads         = grad.backward(∂loss/∂logits, cache)
    params        ← Adam(params, grads, lrate(step))

Every random choice (the order of the minibatches, the dropout masks) comes
from one np.random.Generator seeded by `seed`, so a run is reproducible.
"""
import dataclasses
import json
import math
from dataclasses import dataclass

import numpy as np

from . import grad
from .corpus import to_batch
from .generate import greedy_decode
from .grad import dropout, dropout_backward  # noqa: F401  (a layer with a backward: defined in grad)
from .loss import cross_entropy, cross_entropy_backward
from .tokens import decode, encode
from .transformer import Config, TransformerParams, cast_params, init_params


# The settings that train the book's toy model (mathlib.example.PARAMS) on the corpus's
# training pairs until every greedy translation is exact, in a few seconds on one core
# (tests/test_train.py checks it; benchmarks/bench_train.py measures it; chapter 11 uses it).
TOY_SETTINGS = dict(steps=400, lr=3e-3, label_smoothing=0.1, p_drop=0.0, batch_size=None, seed=0)


# --- the parameter tree as a list of arrays ---------------------------------------------------

def named_arrays(params):
    """{"encoder_layers.0.self_attn.W_Q": array, ...}: every parameter array of a tree of
    dataclasses and lists, by its path, in a fixed order. An array that appears twice
    (tied weights) is listed once, under its first name."""
    out, seen = {}, set()

    def walk(node, name):
        if isinstance(node, np.ndarray):
            base = node if node.base is None else node.base
            if id(base) not in seen:
                seen.add(id(base))
                out[name] = node
        elif isinstance(node, list):
            for i, item in enumerate(node):
                walk(item, f"{name}.{i}")
        elif hasattr(node, "__dataclass_fields__") and not isinstance(node, Config):
            for key, value in vars(node).items():
                walk(value, f"{name}.{key}" if name else key)

    walk(params, "")
    return out


def writable_copy(params):
    """A copy of a parameter tree that training may change (mathlib.example.PARAMS is read-only)."""
    return cast_params(params, np.float64)


# --- Adam ----------------------------------------------------------------------------------

@dataclass
class AdamState:
    """step t, and the running averages of the gradient (m) and of the squared gradient (v),
    one number per parameter, in the order of named_arrays(params)."""
    step: int
    m: np.ndarray
    v: np.ndarray


def adam_init(params):
    """Adam's state for `params`: t = 0, m = v = 0."""
    theta = flatten(params)
    return AdamState(step=0, m=np.zeros_like(theta), v=np.zeros_like(theta))


def flatten(params):
    """Every array of a parameter tree (or of its gradients), one after the other, in one vector."""
    return np.concatenate([a.reshape(-1) for a in named_arrays(params).values()])


def adam_step(params, grads, state, lr, beta1=0.9, beta2=0.98, eps=1e-9):
    """One Adam update of every parameter θ, in place (the paper's β1 = 0.9, β2 = 0.98, ε = 1e-9).

    Each number has its own step size: the gradient's running mean m over the root of its
    running mean square v, so a parameter with small, steady gradients moves as fast as
    one with large ones. The two averages start at 0; dividing by 1 − β^t corrects that.
    """
    state.step += 1
    t, g = state.step, flatten(grads)
    state.m = beta1 * state.m + (1 - beta1) * g               # m ← β1 m + (1 − β1) g
    state.v = beta2 * state.v + (1 - beta2) * g ** 2          # v ← β2 v + (1 − β2) g²
    m_hat = state.m / (1 - beta1 ** t)                        # bias correction
    v_hat = state.v / (1 - beta2 ** t)
    update = lr * m_hat / (np.sqrt(v_hat) + eps)              # θ ← θ − lr · m̂ / (√v̂ + ε)
    start = 0
    for theta in named_arrays(params).values():
        theta -= update[start:start + theta.size].reshape(theta.shape)
        start += theta.size


def warmup_lr(step, d_model, warmup):
    """The paper's schedule (§5.3): lrate = d_model^−0.5 · min(step^−0.5, step · warmup^−1.5).

    It rises linearly for `warmup` steps, peaks at d_model^−0.5 · warmup^−0.5, then
    decays as 1/√step. step counts from 1.
    """
    return d_model ** -0.5 * min(step ** -0.5, step * warmup ** -1.5)


# --- one step and the loop --------------------------------------------------------------------

def loss_and_gradients(params, config, batch, label_smoothing=0.0, p_drop=0.0, rng=None):
    """(loss, grads) for one Batch: the forward pass, the loss, and the backward pass."""
    logits, cache = grad.forward(batch.src, batch.tgt_in, params, config, p_drop, rng)
    loss = cross_entropy(logits, batch.tgt_out, config.pad_id, label_smoothing)
    d_logits = cross_entropy_backward(logits, batch.tgt_out, config.pad_id, label_smoothing)
    return loss, grad.backward(d_logits, cache)


def train(params, config, pairs, vocab, steps, lr=1e-2, warmup=None, batch_size=None, p_drop=0.0,
          label_smoothing=0.0, seed=0, callback=None, every=10):
    """Train a copy of `params` on (source, target) text pairs; returns (trained params, losses).

    lr: a constant learning rate, or with `warmup` the paper's schedule warmup_lr(step,
    d_model, warmup) times lr. batch_size None: the whole corpus in every step; otherwise
    minibatches from a reshuffled corpus each epoch. p_drop, label_smoothing: as in the paper
    (0.1 and 0.1 there). callback(step, loss, params) runs every `every` steps and after
    the last; if it returns True, training stops there. losses: the training loss of every
    step run (with dropout, if any).
    """
    _check_train(steps, batch_size, len(pairs), every)
    params = writable_copy(params)
    rng = np.random.default_rng(seed)
    state = adam_init(params)
    order, losses = [], []
    for step in range(1, steps + 1):
        if batch_size is None:
            chosen = pairs
        else:
            if len(order) < batch_size:
                order = list(rng.permutation(len(pairs)))        # a new epoch: a new order
            chosen, order = [pairs[i] for i in order[:batch_size]], order[batch_size:]
        loss, grads = loss_and_gradients(params, config, to_batch(chosen, vocab), label_smoothing, p_drop, rng)
        rate = lr if warmup is None else lr * warmup_lr(step, config.d_model, warmup)
        adam_step(params, grads, state, rate)
        losses.append(loss)
        if callback is not None and (step % every == 0 or step == steps) and callback(step, loss, params):
            break
    return params, losses


def translate(text, params, config, vocab, max_len=10):
    """The greedy translation of `text`, as text (ending in <eos> if the model produced it)."""
    sos, eos = vocab.index("<sos>"), vocab.index("<eos>")
    return decode(greedy_decode(encode(text, vocab), params, config, sos, eos, max_len).tokens, vocab)


def exact_matches(params, config, pairs, vocab):
    """How many (source, target) pairs the model translates exactly: target + <eos>, nothing else."""
    return sum(translate(src, params, config, vocab) == f"{tgt} <eos>" for src, tgt in pairs)


def teacher_forced_exact(params, config, batch, never=(0, 1)):
    """(B,) bool: True where, fed the correct prefix, the model's most probable next token is
    the target at every position (tokens in `never`, <pad> and <sos>, are never chosen, as in
    generation). One batched forward pass instead of a decoding loop, and the same answer as
    greedy decoding: greedy decoding yields exactly y1 … yn <eos> if and only if each step's
    choice, made after the correct prefix, is the correct token."""
    logits = grad.forward(batch.src, batch.tgt_in, params, config)[0]
    logits[..., list(never)] = -np.inf
    real = batch.tgt_out != config.pad_id
    return np.all((logits.argmax(axis=-1) == batch.tgt_out) | ~real, axis=-1)


def _check_train(steps, batch_size, n_pairs, every):
    for name, v in (("steps", steps), ("every", every)):
        if isinstance(v, bool) or int(v) != v or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    if n_pairs == 0:
        raise ValueError("pairs is empty: nothing to train on")
    if batch_size is not None and not 1 <= batch_size <= n_pairs:
        raise ValueError(f"batch_size must be in 1..{n_pairs} (the number of pairs), got {batch_size!r}")


# --- save and load ----------------------------------------------------------------------------

def save(path, params, config):
    """Write params and their config to a .npz file (arrays by their named_arrays names)."""
    np.savez(path, __config__=np.array(json.dumps(dataclasses.asdict(config))), **named_arrays(params))


def load(path):
    """(params, config) from a file written by save: the same arrays, bit for bit."""
    with np.load(path, allow_pickle=False) as f:
        config = Config(**json.loads(str(f["__config__"])))
        arrays = {k: f[k] for k in f.files if k != "__config__"}
    params = init_params(config, np.random.default_rng(0))       # the structure; every array is replaced
    names = named_arrays(params)
    if set(arrays) != set(names):
        raise ValueError(f"{path} does not hold the parameters of its config: missing "
                         f"{sorted(set(names) - set(arrays))}, unexpected {sorted(set(arrays) - set(names))}")
    for name, target in names.items():
        if arrays[name].shape != target.shape:
            raise ValueError(f"{name} has shape {arrays[name].shape} in {path}, the config needs {target.shape}")
        _set(params, name, arrays[name])
    return params, config


def _set(tree, name, value):
    *path, last = name.split(".")
    for part in path:
        tree = tree[int(part)] if isinstance(tree, list) else getattr(tree, part)
    setattr(tree, last, value)
