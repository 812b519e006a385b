"""mathlib's gradients against PyTorch autograd, in float64: every parameter within 1e-8.

The torch side is torch.nn.Transformer (dropout 0) with an nn.Embedding, the
sinusoidal positional encoding and an nn.Linear on top (mathlib.interop's
torch_model), loaded with the same parameters; the loss is
torch.nn.functional.cross_entropy with ignore_index = <pad> and label
smoothing; `loss.backward()` gives torch's gradients. mathlib's come from
grad.forward / grad.backward, exported to torch's names with the same
interop function that exports parameters (a gradient tree has the
parameters' shape).

Without torch these tests skip locally and fail when CI=true (tests/conftest.py).
"""
import numpy as np
import pytest

from mathlib import corpus, interop, train
from mathlib import transformer as T
from mathlib.loss import cross_entropy

TOL = 1e-8
crosscheck = pytest.mark.crosscheck


def padded_batch(rng, c, batch, n, m):
    """Random ids with right padding: the first row of src, tgt_in and tgt_out is shorter."""
    src = rng.integers(3, c.vocab_size, size=(batch, n))
    words = rng.integers(3, c.vocab_size, size=(batch, m - 1))
    tgt_in = np.concatenate([np.full((batch, 1), 1), words], axis=1)          # <sos> = 1
    tgt_out = np.concatenate([words, np.full((batch, 1), 2)], axis=1)         # <eos> = 2
    src[0, n // 2 + 1:] = c.pad_id
    cut = m // 2 + 1
    tgt_in[0, cut:] = c.pad_id
    tgt_out[0, cut - 1], tgt_out[0, cut:] = 2, c.pad_id
    return corpus.Batch(src=src, tgt_in=tgt_in, tgt_out=tgt_out)


def torch_gradients(torch, params, batch, label_smoothing):
    c = params.config
    model = interop.torch_model(c, params).train()           # dropout is 0: train mode changes nothing else
    logits = model.forward_ids(torch.from_numpy(batch.src), torch.from_numpy(batch.tgt_in))
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, c.vocab_size),
                                             torch.from_numpy(batch.tgt_out).reshape(-1),
                                             ignore_index=c.pad_id, label_smoothing=label_smoothing)
    loss.backward()
    return loss.item(), {name: p.grad.numpy() for name, p in model.named_parameters()}


def perturbed_params(c, rng):
    params = T.init_params(c, rng)
    for a in train.named_arrays(params).values():             # biases ≠ 0, gammas ≠ 1
        a += rng.normal(0, 0.2, size=a.shape)
    return params


MODELS = [  # d_model, n_heads, d_ff, n_encoder_layers, n_decoder_layers, vocab, batch, n, m, scale_embeddings
    (4, 2, 8, 1, 1, 10, 2, 3, 4, False),
    (8, 2, 16, 2, 3, 11, 3, 5, 4, True),
    (12, 4, 10, 3, 2, 13, 2, 4, 6, True),    # (an odd n_heads makes torch warn about nested tensors)
]


@crosscheck
@pytest.mark.parametrize("d_model, h, d_ff, n_enc, n_dec, vocab, batch, n, m, scale", MODELS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
@pytest.mark.parametrize("tied", [False, True], ids=["untied", "tied"])
def test_every_gradient_matches_torch_autograd(torch, d_model, h, d_ff, n_enc, n_dec, vocab, batch, n, m, scale,
                                               label_smoothing, tied):
    c = T.Config(d_model=d_model, n_heads=h, d_k=d_model // h, d_v=d_model // h, d_ff=d_ff,
                 n_encoder_layers=n_enc, n_decoder_layers=n_dec, vocab_size=vocab, max_len=16,
                 final_norm=True, scale_embeddings=scale, tie_embeddings=tied)
    rng = np.random.default_rng(d_model * 10 + n_dec)
    params = perturbed_params(c, rng)
    b = padded_batch(rng, c, batch, n, m)
    loss_t, grads_t = torch_gradients(torch, params, b, label_smoothing)
    loss, grads = train.loss_and_gradients(params, b, label_smoothing)
    assert abs(loss - loss_t) <= 1e-12
    ours = {k: v.numpy() for k, v in interop.to_torch_state_dict(grads).items()}
    assert set(grads_t) == set(ours) - ({interop.GENERATOR_WEIGHT} if tied else set())   # torch lists a shared
    if tied:                                                                             # parameter once
        assert np.array_equal(ours[interop.GENERATOR_WEIGHT], ours[interop.EMBEDDING])
    for name, g in grads_t.items():
        diff = float(np.max(np.abs(ours[name] - g)))
        assert diff <= TOL, f"{name}: max |mathlib − torch| = {diff:.2e}"
    assert np.abs(grads_t["embedding.weight"]).max() > 1e-3   # the checks compare real gradients


@crosscheck
def test_the_loss_is_torchs_cross_entropy_with_label_smoothing_and_ignore_index(torch):
    rng = np.random.default_rng(0)
    logits, targets = rng.normal(size=(3, 5, 7)) * 3, rng.integers(0, 7, size=(3, 5))
    targets[0, 0] = 4
    for eps in (0.0, 0.1, 0.4):
        want = torch.nn.functional.cross_entropy(torch.from_numpy(logits).reshape(-1, 7),
                                                 torch.from_numpy(targets).reshape(-1), ignore_index=0,
                                                 label_smoothing=eps)
        assert abs(cross_entropy(logits, targets, pad_id=0, label_smoothing=eps) - float(want)) <= 1e-14


@crosscheck
def test_adam_matches_torch_optim_adam(torch):
    rng = np.random.default_rng(1)
    c = T.Config(d_model=4, n_heads=2, d_k=2, d_v=2, d_ff=8, n_encoder_layers=1, n_decoder_layers=1,
                 vocab_size=6, final_norm=True, tie_embeddings=True)
    params = train.writable_copy(perturbed_params(c, rng))
    arrays = train.named_arrays(params)
    tensors = [torch.from_numpy(a.copy()).requires_grad_() for a in arrays.values()]
    optimiser = torch.optim.Adam(tensors, lr=0.01, betas=(0.9, 0.98), eps=1e-9)
    state = train.adam_init(params)
    for _ in range(5):
        grads = T.cast_params(params, np.float64)
        for g, t in zip(train.named_arrays(grads).values(), tensors):
            g[...] = rng.normal(size=g.shape)
            t.grad = torch.from_numpy(g.copy())
        optimiser.step()
        train.adam_step(params, grads, state, lr=0.01)
    for (name, a), t in zip(arrays.items(), tensors):
        assert float(np.max(np.abs(a - t.detach().numpy()))) <= 1e-14, name
