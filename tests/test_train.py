"""mathlib.train: Adam, the warm-up schedule, the loop, save and load, and training the toy model."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mathlib import corpus, example, train
from mathlib import transformer as T
from mathlib.layers import LayerNormParams


# --- Adam ----------------------------------------------------------------------------------------

def test_adam_two_steps_by_hand():
    p = train.writable_copy(LayerNormParams(gamma=np.array([1.0]), beta=np.array([0.0]), eps=1e-5))
    state = train.adam_init(p)
    # step 1, g = 2: m = 0.1·2 = 0.2, v = 0.02·4 = 0.08; m̂ = 0.2/0.1 = 2, v̂ = 0.08/0.02 = 4
    # θ = 1 − 0.1 · 2/(√4 + 1e-9) = 0.9 (to 1e-10)
    train.adam_step(p, LayerNormParams(gamma=np.array([2.0]), beta=np.array([0.0]), eps=1e-5), state, lr=0.1)
    assert p.gamma[0] == pytest.approx(0.9, abs=1e-10) and p.beta[0] == 0.0   # a zero gradient: no move
    # step 2, g = −1: m = 0.9·0.2 − 0.1 = 0.08, v = 0.98·0.08 + 0.02 = 0.0984
    # m̂ = 0.08/0.19 = 0.4210526, v̂ = 0.0984/0.0396 = 2.4848485, √v̂ = 1.5763402
    # θ = 0.9 − 0.1 · 0.4210526/1.5763402 = 0.9 − 0.0267108 = 0.8732892
    train.adam_step(p, LayerNormParams(gamma=np.array([-1.0]), beta=np.array([0.0]), eps=1e-5), state, lr=0.1)
    assert p.gamma[0] == pytest.approx(0.8732892, abs=1e-7)
    assert state.step == 2


def test_adam_first_step_moves_every_parameter_by_lr_whatever_its_gradient():
    """m̂/√v̂ = g/|g| on the first step: the size of the gradient does not matter, only its sign."""
    params = train.writable_copy(example.PARAMS)
    grads = T.cast_params(example.PARAMS, np.float64)
    rng = np.random.default_rng(0)
    for a in train.named_arrays(grads).values():
        a[...] = rng.choice([-1, 1], size=a.shape) * 10.0 ** rng.uniform(-4, 4, size=a.shape)   # 1e-4 … 1e4
    before = train.flatten(params)
    train.adam_step(params, grads, train.adam_init(params), lr=1e-3)
    np.testing.assert_allclose(before - train.flatten(params), 1e-3 * np.sign(train.flatten(grads)), rtol=1e-5)


def test_named_arrays_lists_every_parameter_once_in_order():
    names = train.named_arrays(example.PARAMS)
    assert list(names)[:3] == ["embedding", "encoder_layers[0].self_attn.W_Q", "encoder_layers[0].self_attn.W_K"]
    assert list(names)[-2:] == ["W_out", "b_out"]
    assert sum(a.size for a in names.values()) == T.count_parameters(example.PARAMS)
    assert train.flatten(example.PARAMS).size == T.count_parameters(example.PARAMS)


# --- the schedule ----------------------------------------------------------------------------------

def test_warmup_schedule_of_the_paper():
    # d_model 512, warmup 4000: 512^−0.5 = 0.04419417, 4000^−0.5 = 0.01581139
    assert train.warmup_lr(4000, 512, 4000) == pytest.approx(6.98771e-4, rel=1e-5)       # the peak
    assert train.warmup_lr(1, 512, 4000) == pytest.approx(0.04419417 * 4000 ** -1.5, rel=1e-6)
    assert train.warmup_lr(2000, 512, 4000) == pytest.approx(6.98771e-4 / 2, rel=1e-5)   # linear rise
    assert train.warmup_lr(16000, 512, 4000) == pytest.approx(6.98771e-4 / 2, rel=1e-5)  # 1/√step decay
    rates = [train.warmup_lr(s, 4, 50) for s in range(1, 200)]
    assert int(np.argmax(rates)) + 1 == 50


# --- one step and the loop -------------------------------------------------------------------------

PAIRS = [("hello world", "hola mundo"), ("goodbye world", "adios mundo"), ("world !", "mundo !")]


def test_loss_and_gradients_is_the_loss_of_the_forward_pass():
    b = corpus.to_batch(PAIRS, example.VOCAB)
    loss, grads = train.loss_and_gradients(example.PARAMS, b)
    logits = T.forward(b.src, b.tgt_in, example.PARAMS)
    from mathlib.loss import cross_entropy
    assert loss == cross_entropy(logits, b.tgt_out)
    assert type(grads) is T.TransformerParams


def test_training_lowers_the_loss_is_reproducible_and_leaves_the_example_alone():
    before = train.flatten(example.PARAMS).copy()
    seen = []
    kwargs = dict(steps=12, lr=3e-3, batch_size=2, p_drop=0.1, label_smoothing=0.1, seed=5, every=5,
                  callback=lambda step, loss, p: seen.append((step, loss)))
    params, losses = train.train(example.PARAMS, PAIRS, example.VOCAB, **kwargs)
    assert len(losses) == 12 and [s for s, _ in seen] == [5, 10, 12]
    assert seen == [(s, losses[s - 1]) for s in (5, 10, 12)]
    again, losses_again = train.train(example.PARAMS, PAIRS, example.VOCAB, **kwargs)
    assert losses_again == losses and np.array_equal(train.flatten(again), train.flatten(params))
    other = train.train(example.PARAMS, PAIRS, example.VOCAB, **{**kwargs, "seed": 6})[1]
    assert other != losses                                     # shuffling and dropout come from the seed
    assert np.array_equal(train.flatten(example.PARAMS), before)
    b = corpus.to_batch(PAIRS, example.VOCAB)
    assert (train.loss_and_gradients(params, b)[0]
            < train.loss_and_gradients(example.PARAMS, b)[0])


def test_minibatches_visit_every_pair_once_per_epoch(monkeypatch):
    used = []
    real = train.to_batch

    def spy(pairs, vocab):
        used.append(list(pairs))
        return real(pairs, vocab)
    monkeypatch.setattr(train, "to_batch", spy)
    pairs = PAIRS + [("hello", "hola")]
    train.train(example.PARAMS, pairs, example.VOCAB, steps=4, batch_size=2, seed=1)
    assert sorted(used[0] + used[1]) == sorted(pairs) and sorted(used[2] + used[3]) == sorted(pairs)
    assert used[:2] != used[2:]                                 # reshuffled for the second epoch


def test_bad_arguments():
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        train.train(example.PARAMS, PAIRS, example.VOCAB, steps=0)
    with pytest.raises(ValueError, match=r"batch_size must be in 1..3"):
        train.train(example.PARAMS, PAIRS, example.VOCAB, steps=1, batch_size=4)
    with pytest.raises(ValueError, match="pairs is empty"):
        train.train(example.PARAMS, [], example.VOCAB, steps=1)


# --- save and load -----------------------------------------------------------------------------------

def test_save_and_load_round_trip_exactly(tmp_path):
    params, _ = train.train(example.PARAMS, PAIRS, example.VOCAB, steps=2, lr=1e-2)
    train.save(tmp_path / "toy.npz", params)
    back = train.load(tmp_path / "toy.npz")
    assert back.config == example.CONFIG
    a, b = train.named_arrays(params), train.named_arrays(back)
    assert list(a) == list(b)
    for name in a:
        assert np.array_equal(a[name], b[name]) and a[name].dtype == b[name].dtype, name
    src, tgt = np.array([3, 4]), np.array([1, 6, 7])
    assert np.array_equal(T.forward(src, tgt, back), T.forward(src, tgt, params))


def test_load_refuses_a_file_of_another_model(tmp_path):
    train.save(tmp_path / "toy.npz", example.PARAMS)
    with np.load(tmp_path / "toy.npz") as f:
        arrays = dict(f)
    del arrays["b_out"]
    np.savez(tmp_path / "broken.npz", **arrays)
    with pytest.raises(ValueError, match="has no b_out"):
        train.load(tmp_path / "broken.npz")


# --- determinism: the printed losses do not depend on the run or on the number of BLAS threads ------

ROOT = Path(__file__).resolve().parents[1]
LOSSES_SCRIPT = """
from mathlib import corpus, example, train
pairs, _ = corpus.load()
_, losses = train.train(example.PARAMS, pairs, example.VOCAB, **train.TOY_SETTINGS)
print(repr(losses))
"""


def losses_in_a_fresh_interpreter(threads):
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    env.update(OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads),
               PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""))
    r = subprocess.run([sys.executable, "-c", LOSSES_SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=600, check=True)
    return eval(r.stdout)                                       # a list of floats, printed with repr


@pytest.mark.slow
@pytest.mark.gate                      # three fresh interpreters train 400 steps: the reproducibility gate
def test_training_losses_are_identical_run_to_run_and_with_one_or_two_blas_threads():
    one, again, two = (losses_in_a_fresh_interpreter(t) for t in (1, 1, 2))
    assert len(one) == train.TOY_SETTINGS["steps"]
    assert one == again                                         # to the last bit
    assert [round(x, 4) for x in one] == [round(x, 4) for x in two]   # what a notebook prints


# --- how well it translates --------------------------------------------------------------------------

def test_teacher_forced_exact_agrees_with_greedy_decoding():
    """One batched pass gives the same verdict, pair by pair, as decoding each pair greedily:
    before training, half-way, and after."""
    pairs, held_out = corpus.load()
    everything = pairs + held_out
    b = corpus.to_batch(everything, example.VOCAB)
    states = [example.PARAMS]
    train.train(example.PARAMS, pairs, example.VOCAB, steps=160, lr=3e-3, every=40,
                callback=lambda step, loss, p: states.append(train.writable_copy(p)))
    verdicts = []
    for p in states:
        greedy = [train.translate(s, p, example.VOCAB) == t + " <eos>" for s, t in everything]
        assert train.teacher_forced_exact(p, b).tolist() == greedy
        verdicts.append(sum(greedy))
    assert len(set(verdicts)) > 1, verdicts                      # the states differ: the test compares something


def test_translate_and_exact_matches():
    assert train.translate("hello world", example.PARAMS, example.VOCAB, max_len=3).count(" ") == 2   # 3 tokens
    assert train.exact_matches(example.PARAMS, [("hello", "hola")], example.VOCAB) in (0, 1)


@pytest.mark.slow
def test_the_toy_model_learns_every_training_pair_with_the_toy_settings():
    pairs, _ = corpus.load()
    params, losses = train.train(example.PARAMS, pairs, example.VOCAB, **train.TOY_SETTINGS)
    assert train.exact_matches(params, pairs, example.VOCAB) == len(pairs)
    assert train.translate("hello world", params, example.VOCAB) == "hola mundo <eos>"
    assert losses[-1] < losses[0] / 3


def test_save_and_load_keep_tied_weights_tied(tmp_path):
    c = T.Config(d_model=4, n_heads=2, d_k=2, d_v=2, d_ff=4, n_encoder_layers=1, n_decoder_layers=1,
                 vocab_size=6, tie_embeddings=True)
    params = T.init_params(c, np.random.default_rng(0))
    train.save(tmp_path / "tied.npz", params)
    with np.load(tmp_path / "tied.npz") as f:
        assert "W_out" not in f.files and "embedding" in f.files   # one array, stored once
    back = train.load(tmp_path / "tied.npz")
    assert back.config == c and np.shares_memory(back.W_out, back.embedding)
    assert np.array_equal(back.W_out, params.W_out)


def test_train_hands_adam_the_warmup_schedules_rates(monkeypatch):
    """With warmup, step s runs Adam at lr · warmup_lr(s, d_model, warmup), not at lr."""
    rates, real = [], train.adam_step

    def spy(params, grads, state, lr, *a, **k):
        rates.append(lr)
        return real(params, grads, state, lr, *a, **k)
    monkeypatch.setattr(train, "adam_step", spy)
    pairs = [("hello world", "hola mundo")]
    train.train(example.PARAMS, pairs, example.VOCAB, steps=3, lr=2.0, warmup=50)
    assert rates == [2.0 * train.warmup_lr(s, example.CONFIG.d_model, 50) for s in (1, 2, 3)]
    rates.clear()
    train.train(example.PARAMS, pairs, example.VOCAB, steps=2, lr=0.25)
    assert rates == [0.25, 0.25]                                  # no warmup: the constant rate


def test_writable_copy_keeps_every_array_in_one_vector_that_adam_updates():
    params = train.writable_copy(example.PARAMS)
    theta = train.parameter_vector(params)
    assert theta.size == T.count_parameters(example.PARAMS) and theta.flags.writeable
    assert np.array_equal(theta, train.flatten(example.PARAMS))          # named_arrays' order
    theta[0] = 7.0                                                        # θ and the arrays: one memory
    assert params.embedding.flat[0] == 7.0 and example.PARAMS.embedding.flat[0] != 7.0
    state = train.adam_init(params)
    assert state.m.shape == state.v.shape == theta.shape
    assert train.parameter_vector(train.writable_copy(example.PARAMS, np.float32)).dtype == np.float32


def test_writable_copy_keeps_tied_embeddings_tied_inside_the_vector():
    import dataclasses
    c = dataclasses.replace(example.CONFIG, tie_embeddings=True)
    params = train.writable_copy(T.init_params(c, np.random.default_rng(0)))
    assert np.shares_memory(params.W_out, params.embedding)
    assert train.parameter_vector(params).size == T.count_parameters(params)


def test_adam_refuses_parameters_that_are_not_one_vector():
    params = T.cast_params(example.PARAMS, np.float64)                  # separate arrays
    with pytest.raises(ValueError, match="train.writable_copy"):
        train.adam_init(params)
    good = train.writable_copy(example.PARAMS)
    state = train.adam_init(good)
    small = train.writable_copy(LayerNormParams(gamma=np.ones(4), beta=np.zeros(4), eps=1e-5))
    with pytest.raises(ValueError, match="must belong to one model"):
        train.adam_step(good, small, state, lr=0.1)                     # another model's gradients
    assert state.step == 0 and not state.m.any()                        # nothing half-done
    moved = train.writable_copy(good)                                   # another vector: state is not for it
    moved.b_out = moved.b_out.copy()                                    # one array out of the vector
    with pytest.raises(ValueError, match="train.writable_copy"):
        train.adam_step(moved, good, state, lr=0.1)


