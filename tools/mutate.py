"""Mutation testing: does the unit test suite catch realistic bugs in mathlib?

    python tools/mutate.py                 # every mutation, one at a time
    python tools/mutate.py --list          # the mutations, without running anything
    python tools/mutate.py -k softmax -k glorot    # only those whose name contains a word

Each mutation is one realistic bug (a missing transpose, √d_k forgotten, eps outside
the root, the n − 1 variance, ...), written as a snippet of mathlib's source and its
replacement. The tree is copied once to a temporary directory (the working tree is
never touched); for each mutation the copy gets the bug, the unit tests run
(`pytest -m "not slow" -x -q tests mathlib`, as `make unit` does), and the file is
restored. A mutation *survives* if the tests still pass: some bug of that kind would
go unnoticed. The script prints the survivors and the score, and exits 1 if any
survived (or if a snippet no longer matches the source: the list must follow the
code).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# (name, file under mathlib/, snippet as it is in the source, the bug)
MUTATIONS = [
    # --- attention
    ("softmax without subtracting the max", "attention.py",
     "e = np.exp(x - x.max(axis=axis, keepdims=True))", "e = np.exp(x)"),
    ("softmax normalised over the wrong axis", "attention.py",
     "return e / e.sum(axis=axis, keepdims=True)", "return e / e.sum(axis=0, keepdims=True)"),
    ("scores divided by d_k instead of √d_k", "attention.py",
     "/ math.sqrt(d_k)  # (.., n_q, n_k)", "/ d_k  # (.., n_q, n_k)"),
    ("scores not scaled", "attention.py",
     "scores = Q @ np.swapaxes(K, -1, -2) / math.sqrt(d_k)", "scores = Q @ np.swapaxes(K, -1, -2)"),
    ("K not transposed (Q K instead of Q Kᵀ)", "attention.py",
     "scores = Q @ np.swapaxes(K, -1, -2) / math.sqrt(d_k)", "scores = Q @ K / math.sqrt(d_k)"),
    ("masked scores set to 0 instead of -inf", "attention.py",
     "scores = np.where(mask, scores, -np.inf)", "scores = np.where(mask, scores, 0.0)"),
    ("masked scores set to -1e4 instead of -inf", "attention.py",
     "scores = np.where(mask, scores, -np.inf)", "scores = np.where(mask, scores, scores - 1e4)"),
    ("the mask is ignored", "attention.py",
     "    if mask is not None:\n        scores = np.where", "    if False:\n        scores = np.where"),
    ("merge_heads without the transpose back", "attention.py",
     "return np.swapaxes(X, -2, -3).reshape(*lead, n, h * d)", "return X.reshape(*lead, n, h * d)"),
    ("split_heads by reshape only", "attention.py",
     "return np.swapaxes(X, -2, -3)                       # (..., h, n, d)",
     "return X.reshape(*lead, n_heads, n, hd // n_heads)"),
    ("keys from the queries' sequence (wrong cross-attention input)", "attention.py",
     "K = split_heads(linear(X_kv, p.W_K, p.b_K), h)", "K = split_heads(linear(X_q, p.W_K, p.b_K), h)"),
    ("values from the queries' sequence", "attention.py",
     "V = split_heads(linear(X_kv, p.W_V, p.b_V), h)", "V = split_heads(linear(X_q, p.W_V, p.b_V), h)"),
    ("W_O's bias dropped", "attention.py",
     "out = linear(concat, p.W_O, p.b_O)", "out = linear(concat, p.W_O)"),
    ("W_Q's bias dropped", "attention.py",
     "Q = split_heads(linear(X_q, p.W_Q, p.b_Q), h)", "Q = split_heads(linear(X_q, p.W_Q), h)"),
    ("the mask not repeated for every head", "attention.py",
     "mask = np.expand_dims(mask, -3)", "mask = mask"),
    ("W_O applied to each head's output before concatenating (no mixing)", "attention.py",
     "out = linear(concat, p.W_O, p.b_O)", "out = concat[..., :p.W_O.shape[1]]"),
    ("causal mask hides the diagonal", "attention.py",
     "return np.tril(np.ones((n, n), dtype=bool))", "return np.tril(np.ones((n, n), dtype=bool), -1)"),
    ("causal mask lets positions see the future", "attention.py",
     "return np.tril(np.ones((n, n), dtype=bool))", "return np.triu(np.ones((n, n), dtype=bool))"),
    ("padding masks the query rows, not the key columns", "attention.py",
     "return (np.asarray(ids) != pad_id)[..., None, :]", "return (np.asarray(ids) != pad_id)[..., :, None]"),
    # --- layers
    ("ReLU removed", "layers.py", "return np.maximum(x, 0)", "return x"),
    ("ReLU called in place without out= (its result is dropped)", "layers.py",
     "    hidden = relu(pre)", "    hidden = pre\n    relu(pre)"),
    ("the bias of linear dropped", "layers.py", "    if b is not None:\n        y += b", "    if False:\n        y += b"),
    ("W transposed in linear", "layers.py",
     "y = x.reshape(-1, x.shape[-1]) @ W ", "y = x.reshape(-1, x.shape[-1]) @ W.T "),
    ("layer norm with the n − 1 variance", "layers.py",
     "var = (centred ** 2).mean(axis=-1, keepdims=True)",
     "var = (centred ** 2).sum(axis=-1, keepdims=True) / (x.shape[-1] - 1)"),
    ("layer norm with eps outside the root", "layers.py",
     "return centred / np.sqrt(var + eps) * gamma + beta", "return centred / (np.sqrt(var) + eps) * gamma + beta"),
    ("layer norm without gamma", "layers.py",
     "return centred / np.sqrt(var + eps) * gamma + beta", "return centred / np.sqrt(var + eps) + beta"),
    ("layer norm without beta", "layers.py",
     "return centred / np.sqrt(var + eps) * gamma + beta", "return centred / np.sqrt(var + eps) * gamma"),
    ("the feed-forward output bias b2 dropped", "layers.py",
     "out = linear(hidden, p.W2, p.b2)", "out = linear(hidden, p.W2)"),
    ("layer norm over the wrong axis", "layers.py",
     "centred = x - x.mean(axis=-1, keepdims=True)", "centred = x - x.mean(axis=0, keepdims=True)"),
    ("Add & Norm without the residual", "layers.py", "s = x + dropout(sublayer_out, cache)",
     "s = dropout(sublayer_out, cache)"),
    ("Add & Norm ignores the norm's eps", "layers.py",
     "norm.gamma, norm.beta, norm.eps)", "norm.gamma, norm.beta)"),
    # --- the model
    ("encoder FFN reads X instead of X1", "transformer.py",
     "hidden_out = feed_forward(X1, p.ffn, cache)", "hidden_out = feed_forward(X, p.ffn, cache)"),
    ("encoder second residual adds X instead of X1", "transformer.py",
     "X2 = add_and_norm(X1, hidden_out, p.norm2, cache)", "X2 = add_and_norm(X, hidden_out, p.norm2, cache)"),
    ("decoder self-attention not causal by default", "transformer.py",
     "self_mask = causal_mask(Y.shape[-2])", "self_mask = None"),
    ("cross-attention queries from Y instead of Y1", "transformer.py",
     "Y1, memory, p.cross_attn, memory_mask, cache)", "Y, memory, p.cross_attn, memory_mask, cache)"),
    ("cross-attention reads the decoder instead of the memory", "transformer.py",
     "Y1, memory, p.cross_attn, memory_mask, cache)", "Y1, Y1, p.cross_attn, memory_mask, cache)"),
    ("decoder Y2 adds Y instead of Y1", "transformer.py",
     "Y2 = add_and_norm(Y1, read, p.norm2, cache)", "Y2 = add_and_norm(Y, read, p.norm2, cache)"),
    ("decoder third sub-layer reuses norm2", "transformer.py",
     "hidden_out, p.norm3, cache)", "hidden_out, p.norm2, cache)"),
    ("the decoder uses the self-attention weights for cross-attention", "transformer.py",
     "Y1, memory, p.cross_attn, memory_mask, cache)", "Y1, memory, p.self_attn, memory_mask, cache)"),
    ("the final encoder norm skipped", "transformer.py",
     "    if params.config.final_norm:\n        n = params.encoder_norm",
     "    if False:\n        n = params.encoder_norm"),
    ("embeddings scaled when they should not be (and the reverse)", "transformer.py",
     "if c.scale_embeddings:", "if not c.scale_embeddings:"),
    ("embeddings multiplied by d_model instead of √d_model", "transformer.py",
     "X = X * math.sqrt(c.d_model)", "X = X * c.d_model"),
    ("no positional encoding", "transformer.py",
     "return X + PE.astype(X.dtype)", "return X"),
    ("decoder self-attention sees target padding", "transformer.py",
     "self_mask = causal_mask(tgt_ids.shape[-1]) & padding_mask(tgt_ids, params.config.pad_id)",
     "self_mask = causal_mask(tgt_ids.shape[-1])"),
    ("forward reads the source padding through cross-attention", "transformer.py",
     "return decode(tgt_ids, memory, params, memory_mask, cache)",
     "return decode(tgt_ids, memory, params, None, cache)"),
    ("the encoder attends to padding", "transformer.py",
     "return encoder_stack(X, params, mask, cache)", "return encoder_stack(X, params, None, cache)"),
    ("output layer without its bias", "transformer.py",
     "return linear(Y, params.W_out, params.b_out)", "return linear(Y, params.W_out)"),
    ("the layers check their inputs again (a door inside the stack)", "_checks.py",
     "        if _inside:\n", "        if False:\n"),
    # --- building and counting parameters
    ("Glorot bound √(2/…) instead of √(6/…)", "params.py",
     "limit = math.sqrt(6 / (shape[0] + shape[1]))", "limit = math.sqrt(2 / (shape[0] + shape[1]))"),
    ("embeddings drawn N(0, 1) instead of N(0, 1/d_model)", "params.py",
     "return rng.normal(0, shape[1] ** -0.5, size=shape)", "return rng.normal(0, 1, size=shape)"),
    ("biases initialised to ones", "params.py", "    return np.zeros(shape)\n\n\ndef init_params",
     "    return np.ones(shape)\n\n\ndef init_params"),
    ("cast_params returns the same arrays when the dtype matches", "params.py",
     "lambda path, a: a.astype(dtype)", "lambda path, a: a.astype(dtype, copy=False)"),
    ("parameter_counts drops b_O", "params.py",
     "+ hv * c.d_model + c.d_model)    # W_O and its bias", "+ hv * c.d_model)    # W_O and its bias"),
    ("parameter_counts counts one norm per encoder layer", "params.py",
     "enc_layer = attention + feed_forward + 2 * norm", "enc_layer = attention + feed_forward + norm"),
    ("count_parameters counts a tied matrix twice", "params.py",
     'sizes[(a.__array_interface__["data"][0], a.size)] = a.size', "sizes[id(a)] = a.size"),
    ("tied W_out drawn separately", "params.py",
     'W_out = emb.T if c.tie_embeddings else draw(rng, "W_out", shapes["W_out"])',
     'W_out = draw(rng, "W_out", shapes["W_out"])'),
    ("the toy W_V drawn as tenths (another order of draws)", "example.py",
     'if name in ("W_Q", "W_K", "W_V"):', 'if name in ("W_Q", "W_K"):'),
    ("the toy parameters are writable", "example.py",
     "def _read_only(path, a):\n    a.setflags(write=False)\n", "def _read_only(path, a):\n    pass\n"),
    # --- positional encoding
    ("PE with the dimension index instead of the pair index", "positional.py",
     "return 10000 ** (2 * np.arange(d_model // 2) / d_model)", "return 10000 ** (np.arange(d_model // 2) / d_model)"),
    ("PE with sin and cos swapped", "positional.py",
     "pe[:, 0::2] = np.sin(angle)\n    pe[:, 1::2] = np.cos(angle)",
     "pe[:, 0::2] = np.cos(angle)\n    pe[:, 1::2] = np.sin(angle)"),
    # --- generation
    ("generation records the untempered distribution", "generate.py",
     "return int(rng.choice(len(p), p=p)), p", "return int(rng.choice(len(p), p=p)), softmax(logits)"),
    ("top-k keeps every tie of the k-th logit", "generate.py",
     '        best = np.argsort(-z, axis=-1, kind="stable")[..., :top_k]   # ties: lower id first\n'
     '        keep = np.zeros(z.shape, dtype=bool)\n'
     '        np.put_along_axis(keep, best, True, axis=-1)\n',
     "        keep = z >= np.sort(z, axis=-1)[..., -top_k][..., None]\n"),
    ("top-k breaks ties towards the higher id", "generate.py",
     'best = np.argsort(-z, axis=-1, kind="stable")[..., :top_k]',
     'best = (z.shape[-1] - 1 - np.argsort(-z[..., ::-1], axis=-1, kind="stable"))[..., :top_k]'),
    ("temperature multiplies the logits", "generate.py", "z = logits / temperature", "z = logits * temperature"),
    ("the encoder re-run at every step", "generate.py",
     "        logits = decode(np.array(prefix), memory, params, memory_mask)[-1]",
     "        memory = encode(src_ids, params)\n        logits = decode(np.array(prefix), memory, params, memory_mask)[-1]"),
    ("<pad> and <sos> may be generated", "generate.py",
     "        logits[[pad_id, sos_id]] = -np.inf", "        pass"),
    ("generation reads the source padding", "generate.py",
     "memory_mask = padding_mask(src_ids, pad_id)", "memory_mask = None"),
    ("greedy picks the least probable token", "generate.py",
     "return int(np.argmax(logits)), softmax(logits)", "return int(np.argmin(logits)), softmax(logits)"),
    # --- interop
    ("in_proj blocks of Q and K swapped", "interop.py",
     '"W_Q": ("in_proj_weight", 0), "W_K": ("in_proj_weight", 1)',
     '"W_Q": ("in_proj_weight", 1), "W_K": ("in_proj_weight", 0)'),
    ("matrices not transposed for torch", "interop.py",
     'return a.T if a.ndim == 2 and not path.endswith("embedding") else a', "return a"),
    # --- the doors
    ("NaN and inf let in", "_checks.py", "if a.size and not finite(a):", "if False:"),
    ("the fast finiteness test always says finite", "_checks.py",
     "if np.isfinite(np.dot(flat, flat)):", "if True:"),
    ("a query with no visible key let through", "_checks.py",
     "if not m.any(axis=-1).all():", "if False:"),
    ("sequences longer than max_len let through", "_checks.py", "if n > max_len:", "if False:"),
    ("overflow in a result not reported", "_checks.py", "        if result:\n", "        if False:\n"),
    # --- Part III: backward passes, loss, Adam (mathlib/grad.py, loss.py, train.py)
    ("ReLU's backward lets every gradient through", "grad.py",
     "return d_y * (x > 0)", "return d_y"),
    ("softmax backward without the Σ d_y y term", "grad.py",
     "return y * (d_y - (d_y * y).sum(axis=axis, keepdims=True))", "return y * d_y"),
    ("layer norm backward without the x̂ correction", "grad.py",
     "- x_hat * (g * x_hat).mean(axis=-1, keepdims=True)) / sigma", ") / sigma"),
    ("embedding gradient assigned instead of added for repeated ids", "grad.py",
     "np.add.at(d_table, ids.reshape(-1), d_X.reshape(-1, d))",
     "d_table[ids.reshape(-1)] = d_X.reshape(-1, d)"),
    ("memory gradient from the last decoder layer only", "grad.py",
     "d_memory = d_memory + d_mem", "d_memory = d_mem"),
    ("tied embedding misses the output projection's gradient", "grad.py",
     "d_embedding = d_embedding + d_W_out.T", "d_embedding = d_embedding"),
    ("dropout without the 1/(1 − p) rescaling", "grad.py",
     "keep = ((rng.random(x.shape) >= p) / (1 - p)).astype(x.dtype)",
     "keep = (rng.random(x.shape) >= p).astype(x.dtype)"),
    ("label smoothing spread over K − 1 classes", "loss.py",
     "return (1 - label_smoothing) * one_hot + label_smoothing / vocab_size",
     "return (1 - label_smoothing) * one_hot + label_smoothing / (vocab_size - 1)"),
    ("loss gradient averaged over every position, padding included", "loss.py",
     "return (p - y_tilde) * real[..., None] / real.sum()", "return (p - y_tilde) * real[..., None] / real.size"),
    ("Adam without bias correction", "train.py",
     "m_hat = m / (1 - beta1 ** t)", "m_hat = m"),
    ("Adam forgets its running averages between steps", "train.py",
     "m[...] = beta1 * m + (1 - beta1) * g", "m = beta1 * m + (1 - beta1) * g"),
    ("parameter_vector accepts an array outside the vector", "train.py",
     "if (theta is None or any(a.base is not theta for a in arrays)", "if (theta is None"),
    ("Adam takes another model's gradients without a word", "train.py",
     "if not theta.shape == g.shape == m.shape:", "if False:"),
    ("Adam run at the constant rate when warmup is given", "train.py",
     "rate = lr * warmup_lr(step, d_model, warmup)", "rate = lr"),
    ("layer norm's eps default changed (1e-6 for 1e-5)", "layers.py",
     "EPS = 1e-5", "EPS = 1e-6"),
    ("show.number drops the trailing zero (1.54 for 1.540)", "page/show.py",
     's = f"{x:.{decimals}f}"', "s = str(round(x, decimals))"),
    ("W_Q not transposed when read from torch", "interop.py",
     "        return _transposed(path, a).copy()",
     "        return (a if path.endswith(\"W_Q\") else _transposed(path, a)).copy()"),
    ("warm-up schedule without the step^-0.5 decay", "train.py",
     "min(step ** -0.5, step * warmup ** -1.5)", "step * warmup ** -1.5"),

]


def copy_tree(dest):
    ignore = shutil.ignore_patterns(".git", ".venv", "_book", "_site", ".quarto", "__pycache__", ".pytest_cache",
                                    ".hypothesis")
    shutil.copytree(ROOT, dest, ignore=ignore, dirs_exist_ok=True)


def run_tests(tree, timeout):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env["PYTHONPATH"] = str(tree)
    cmd = [sys.executable, "-m", "pytest", "-m", "not slow", "-x", "-q", "-p", "no:cacheprovider", "tests", "mathlib"]
    try:
        proc = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", ""
    return ("passed" if proc.returncode == 0 else "failed"), proc.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-k", action="append", default=[], help="only mutations whose name contains this (repeatable)")
    ap.add_argument("--list", action="store_true", help="list the mutations and exit")
    ap.add_argument("--timeout", type=float, default=900, help="seconds per test run (default 900)")
    args = ap.parse_args()
    chosen = [m for m in MUTATIONS if not args.k or any(k.lower() in m[0].lower() for k in args.k)]
    if args.list:
        for name, path, _, _ in chosen:
            print(f"{path:15s} {name}")
        return 0

    stale = [(name, path) for name, path, old, _ in chosen
             if (ROOT / "mathlib" / path).read_text(encoding="utf-8").count(old) != 1]
    if stale:
        for name, path in stale:
            print(f"stale mutation (its snippet is not exactly once in mathlib/{path}): {name}")
        return 1

    with tempfile.TemporaryDirectory(prefix="mutate-") as tmp:
        tree = Path(tmp)
        copy_tree(tree)
        status, out = run_tests(tree, args.timeout)
        if status != "passed":
            print("the unmutated tree does not pass its tests; fix that first\n" + out[-3000:])
            return 1
        survivors, start = [], time.perf_counter()
        for i, (name, path, old, new) in enumerate(chosen, 1):
            target = tree / "mathlib" / path
            original = target.read_text(encoding="utf-8")
            target.write_text(original.replace(old, new, 1), encoding="utf-8")
            try:
                status, _ = run_tests(tree, args.timeout)
            finally:
                target.write_text(original, encoding="utf-8")
            verdict = "SURVIVED" if status == "passed" else "killed" if status == "failed" else "timeout (killed)"
            print(f"[{i:2d}/{len(chosen)}] {verdict:8s}  {path:15s} {name}", flush=True)
            if status == "passed":
                survivors.append((path, name))
        killed = len(chosen) - len(survivors)
        print(f"\nmutation score: {killed}/{len(chosen)} killed ({killed / len(chosen):.0%}) "
              f"in {time.perf_counter() - start:.0f} s")
        for path, name in survivors:
            print(f"  survived: {path}: {name}")
        return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
