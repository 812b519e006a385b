"""Training: Adam, the warm-up schedule, the training loop, save and load.

One training step, with teacher forcing (corpus.to_batch):

    logits, cache = grad.forward(src, <sos> y1 … yn, params, p_drop, rng)
    loss  = cross_entropy(logits, y1 … yn <eos>)      (padding left out)
    grads = grad.backward(∂loss/∂logits, cache)
    params ← Adam(params, grads, lrate(step))

Every random choice (the order of the minibatches, the dropout masks)
comes from one np.random.Generator seeded by `seed`: a run repeats exactly.
"""
import dataclasses
import json
from dataclasses import dataclass

import numpy as np

from . import grad
from .corpus import to_batch
from .generate import greedy_decode
from .loss import cross_entropy, cross_entropy_backward
from .tokens import ids_to_text, text_to_ids
from .params import Config, init_params, map_arrays

# The settings that train the book's toy model (mathlib.example.PARAMS) on
# the corpus's training pairs until every greedy translation is exact, in a
# few seconds on one core. tests/test_train.py checks that they do;
# benchmarks/bench_train.py measures them; chapter 11 uses them;
# tools/make_checkpoint.py trains the book's stored model with them.
# The cool-down (the rate falls linearly to 0 over the last 200 steps) ends
# the run calmly: without it a late spike of the loss could undo pairs
# already learned (tests/test_training_runs.py measures it over runs).
TOY_SETTINGS = dict(steps=400, lr=0.2, warmup=100, cooldown=200,
                    label_smoothing=0.1, p_drop=0.0, batch_size=None,
                    seed=0)


# --- the parameter tree as named arrays, and as one vector θ -------------

def named_arrays(params):
    """{"encoder_layers[0].self_attn.W_Q": array, ...}: every array of a
    parameter tree (or of a tree of gradients) by its path, in a fixed
    order. With tied embeddings W_out is embedding.T, the same numbers:
    they are listed once, as "embedding"."""
    out = {}
    map_arrays(lambda path, a: out.setdefault(path, a), params)
    if getattr(getattr(params, "config", None), "tie_embeddings", False):
        del out["W_out"]
    return out


def flatten(params):
    """Every number of a parameter tree (or of its gradients): a vector."""
    arrays = named_arrays(params).values()
    return np.concatenate([a.reshape(-1) for a in arrays])


def writable_copy(params, dtype=np.float64):
    """A copy that training may change (example.PARAMS is read-only), in
    `dtype`. Every array of the copy is a view into one vector θ, in
    named_arrays' order (parameter_vector returns it), so that Adam can
    update every parameter at once."""
    arrays = named_arrays(params)
    theta = flatten(params).astype(dtype)
    views, start = {}, 0
    for path, a in arrays.items():
        views[path] = theta[start:start + a.size].reshape(a.shape)
        start += a.size
    # A tied W_out is not in named_arrays: its copy is tied to the new
    # embedding again when the TransformerParams is rebuilt.
    return map_arrays(lambda path, a: views.get(path, a.astype(dtype)),
                      params)


def parameter_vector(params):
    """θ: the one vector that every array of `params` is a view into
    (params made by writable_copy). Changing θ in place changes them."""
    arrays = named_arrays(params).values()
    theta = next(iter(arrays)).base
    if (theta is None or any(a.base is not theta for a in arrays)
            or sum(a.size for a in arrays) != theta.size):
        raise ValueError("these parameters are not views into one vector: "
                         "make a copy that training may change with "
                         "train.writable_copy(params)")
    return theta


# --- Adam -----------------------------------------------------------------

@dataclass
class AdamState:
    """The step t, and the running averages of every parameter's gradient
    (m) and of its square (v): two vectors the shape of θ
    (parameter_vector), in named_arrays' order."""
    step: int
    m: np.ndarray
    v: np.ndarray


def adam_init(params):
    """Adam's state for `params` (made by writable_copy): t = 0, m = v = 0."""
    theta = parameter_vector(params)
    return AdamState(step=0, m=np.zeros_like(theta), v=np.zeros_like(theta))


def adam_step(params, grads, state, lr, beta1=0.9, beta2=0.98, eps=1e-9):
    """One Adam update of every parameter θ, in place (Kingma & Ba's
    algorithm 1, with the paper's β1 0.9, β2 0.98, ε 1e-9). Each number
    gets its own step: the running mean m of its gradient over the root of
    the running mean v of its square, so a parameter with small, steady
    gradients moves as fast as one with large ones. Both averages start at
    0; dividing by 1 − β^t corrects that. θ, g, m and v are vectors of
    every parameter (params made by writable_copy)."""
    theta, g, m, v = parameter_vector(params), flatten(grads), state.m, state.v
    if not theta.shape == g.shape == m.shape:
        raise ValueError(f"params ({theta.size} numbers), grads ({g.size}) and "
                         f"Adam's state ({m.size}) must belong to one model")
    state.step += 1
    t = state.step
    m[...] = beta1 * m + (1 - beta1) * g          # m ← β1 m + (1−β1) g
    v[...] = beta2 * v + (1 - beta2) * g ** 2     # v ← β2 v + (1−β2) g²
    m_hat = m / (1 - beta1 ** t)                  # bias correction
    v_hat = v / (1 - beta2 ** t)
    theta -= lr * m_hat / (np.sqrt(v_hat) + eps)  # θ ← θ − lr m̂/(√v̂+ε)


def warmup_lr(step, d_model, warmup):
    """The paper's schedule (§5.3), step = 1, 2, …:

        lrate = d_model^−0.5 · min(step^−0.5, step · warmup^−1.5)

    It rises linearly for `warmup` steps to d_model^−0.5 · warmup^−0.5,
    then decays as 1/√step.

    >>> round(warmup_lr(4000, 512, 4000), 8)         # the base model's peak
    0.00069877
    """
    return d_model ** -0.5 * min(step ** -0.5, step * warmup ** -1.5)


def learning_rate(step, steps, d_model, lr, warmup=None, cooldown=None):
    """The rate of step `step` (1 … steps) in train(): lr, times
    warmup_lr(step, d_model, warmup) with a warm-up, times
    (steps − step + 1) / cooldown in the last `cooldown` steps (a linear
    fall towards 0 at the end of the run).

    >>> [learning_rate(s, 4, 4, 1.0, cooldown=2) for s in (1, 2, 3, 4)]
    [1.0, 1.0, 1.0, 0.5]
    """
    rate = lr
    if warmup is not None:
        rate = lr * warmup_lr(step, d_model, warmup)
    if cooldown is not None:
        rate = rate * min(1.0, (steps - step + 1) / cooldown)
    return rate


# --- one step and the loop ------------------------------------------------

def loss_and_gradients(params, batch, label_smoothing=0.0, p_drop=0.0,
                       rng=None):
    """(loss, grads) for one corpus.Batch: forward, loss, backward."""
    pad = params.config.pad_id
    logits, cache = grad.forward(batch.src, batch.tgt_in, params, p_drop,
                                 rng)
    loss = cross_entropy(logits, batch.tgt_out, pad, label_smoothing)
    d_logits = cross_entropy_backward(logits, batch.tgt_out, pad,
                                      label_smoothing)
    return loss, grad.backward(d_logits, cache)


def train(params, pairs, vocab, steps, lr=1e-2, warmup=None,
          batch_size=None, p_drop=0.0, label_smoothing=0.0, seed=0,
          callback=None, every=10, cooldown=None):
    """Train a copy of `params` on (source, target) text pairs.
    Returns (the trained params, the loss of every step run).

    lr: a constant learning rate; with `warmup`, the rate of step s is
    lr · warmup_lr(s, d_model, warmup) (the paper: lr 1); with `cooldown`,
    it falls linearly to 0 over the last `cooldown` steps (learning_rate).
    batch_size None: every step sees the whole corpus; else minibatches of
    a corpus reshuffled every epoch. p_drop, label_smoothing: the paper
    uses 0.1 and 0.1. callback(step, loss, params) runs every `every`
    steps and after the last; if it returns True, training stops there.
    """
    _check_train(steps, batch_size, len(pairs), every, cooldown)
    params = writable_copy(params)
    rng = np.random.default_rng(seed)
    state, order, losses = adam_init(params), [], []
    d_model = params.config.d_model
    for step in range(1, steps + 1):
        if batch_size is None:
            chosen = pairs
        else:
            if len(order) < batch_size:                   # a new epoch,
                order = list(rng.permutation(len(pairs)))  # a new order
            chosen = [pairs[i] for i in order[:batch_size]]
            order = order[batch_size:]
        batch = to_batch(chosen, vocab)
        loss, grads = loss_and_gradients(params, batch, label_smoothing,
                                         p_drop, rng)
        rate = learning_rate(step, steps, d_model, lr, warmup, cooldown)
        adam_step(params, grads, state, rate)
        losses.append(loss)
        due = step % every == 0 or step == steps
        if callback is not None and due and callback(step, loss, params):
            break
    return params, losses


# --- how well it translates -----------------------------------------------

def translate(text, params, vocab, max_len=10):
    """The greedy translation of `text`, as text (<eos> if produced)."""
    sos, eos = vocab.index("<sos>"), vocab.index("<eos>")
    ids = text_to_ids(text, vocab)
    out = greedy_decode(ids, params, sos, eos, max_len).tokens
    return ids_to_text(out, vocab)


def exact_matches(params, pairs, vocab):
    """How many pairs the model translates exactly: target + <eos>."""
    return sum(translate(src, params, vocab) == f"{tgt} <eos>"
               for src, tgt in pairs)


def teacher_forced_exact(params, batch, never=(0, 1)):
    """(B,) bool: True where, fed the correct prefix, the model's most
    probable next token is the target at every real position (never
    choosing a token in `never`, <pad> and <sos>, like generation).

    One batched forward pass, and the same answer as greedy decoding:
    greedy decoding yields exactly y1 … yn <eos> if and only if every
    step's choice, made after the correct prefix, is the correct token.
    """
    logits = grad.forward(batch.src, batch.tgt_in, params)[0]
    logits[..., list(never)] = -np.inf
    real = batch.tgt_out != params.config.pad_id
    hit = logits.argmax(axis=-1) == batch.tgt_out
    return np.all(hit | ~real, axis=-1)


def _check_train(steps, batch_size, n_pairs, every, cooldown=None):
    checked = [("steps", steps), ("every", every)]
    if cooldown is not None:
        checked.append(("cooldown", cooldown))
    for name, v in checked:
        if isinstance(v, bool) or int(v) != v or v < 1:
            raise ValueError(f"{name} must be a positive integer, "
                             f"got {v!r}")
    if n_pairs == 0:
        raise ValueError("pairs is empty: nothing to train on")
    if batch_size is not None and not 1 <= batch_size <= n_pairs:
        raise ValueError(f"batch_size must be in 1..{n_pairs} (the number "
                         f"of pairs), got {batch_size!r}")


# --- save and load --------------------------------------------------------

def save(path, params):
    """Write params and their config to a .npz file, arrays by their
    named_arrays paths."""
    config = json.dumps(dataclasses.asdict(params.config))
    np.savez(path, __config__=np.array(config), **named_arrays(params))


def load(path):
    """The params that `save` wrote, bit for bit, with their config: built
    by init_params (the one builder), each array read instead of drawn."""
    with np.load(path, allow_pickle=False) as f:
        config = Config(**json.loads(str(f["__config__"])))
        arrays = {k: f[k] for k in f.files if k != "__config__"}
    used = set()

    def read(rng, name, shape):
        if name not in arrays:
            raise ValueError(f"{path} has no {name}: it does not hold the "
                             f"parameters of its config")
        if arrays[name].shape != tuple(shape):
            raise ValueError(f"{name} has shape {arrays[name].shape} in "
                             f"{path}, the config needs {tuple(shape)}")
        used.add(name)
        return arrays[name]
    params = init_params(config, None, draw=read)
    if set(arrays) - used:
        raise ValueError(f"{path} holds arrays its config has no place "
                         f"for: {sorted(set(arrays) - used)}")
    return params
