"""Forward pass of the paper's base model: mathlib (numpy) against torch.nn.Transformer.

    python benchmarks/bench_forward.py              # batch 1 and 8, median of 5 (or: make bench)
    python benchmarks/bench_forward.py --repeats 9 --batch 1 8 16 --no-full

Both sides get the same float32 weights (through mathlib.interop), the same
inputs and the same number of threads, and run in this one process, so the
ratios compare like with like on whatever machine runs the script. Without
torch only the mathlib rows are printed. benchmarks/README.md says how to
read the table.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

import numpy as np


def timings(fns, repeats, pause=0.3):
    """Wall times of each function, the calls interleaved (a, b, a, b, ...) so that a noisy
    neighbour on a shared machine slows both sides alike. Before each timed call we pause:
    numpy's BLAS threads (OpenBLAS) and torch's OpenMP threads spin for a while after their
    last call, and on a small machine that spinning steals cores from the other library."""
    for fn in fns:
        fn()  # warm-up: first touch of buffers, thread pools starting
    times = [[] for _ in fns]
    for _ in range(repeats):
        for fn, ts in zip(fns, times):
            time.sleep(pause)
            t = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t)
    return times


def stack_flops(c, batch, n, m):
    """FLOPs (2 per multiply-add) of the matrix products in the encoder and decoder stacks;
    element-wise work (softmax, layer norm, ReLU, residuals, biases) is not counted."""
    hk, hv, d = c.n_heads * c.d_k, c.n_heads * c.d_v, c.d_model

    def attention(n_q, n_k):
        projections = 2 * n_q * d * hk + 2 * n_k * d * (hk + hv) + 2 * n_q * hv * d   # Q; K, V; W_O
        scores_and_sum = 2 * n_q * n_k * hk + 2 * n_q * n_k * hv                    # Q Kᵀ; weights · V
        return projections + scores_and_sum

    def ffn(tokens):
        return 2 * 2 * tokens * d * c.d_ff

    encoder = c.n_encoder_layers * (attention(n, n) + ffn(n))
    decoder = c.n_decoder_layers * (attention(m, m) + attention(m, n) + ffn(m))
    return batch * (encoder + decoder)


def logits_flops(c, batch, m):
    return batch * 2 * m * c.d_model * c.vocab_size


def matmul_gflops(size=2048, repeats=5):
    """GFLOP/s of one float32 size×size numpy matmul, the best of `repeats`."""
    rng = np.random.default_rng(0)
    A = rng.standard_normal((size, size), dtype=np.float32)
    B = rng.standard_normal((size, size), dtype=np.float32)
    A @ B
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        A @ B
        best = min(best, time.perf_counter() - t)
    return 2 * size ** 3 / best / 1e9


def linear_trick(repeats=7):
    """What linear's one speed trick buys (mathlib/layers.py): (8, 128, 512) @ (512, 2048) + b as one
    2-D matrix product with the bias added in place, against numpy's stacked matmul: the timings."""
    import inspect

    from mathlib import layers
    formula = inspect.unwrap(layers.linear)          # the formula, without the door's checks
    rng = np.random.default_rng(2)
    x = rng.standard_normal((8, 128, 512), dtype=np.float32)
    W, b = rng.standard_normal((512, 2048), dtype=np.float32), rng.standard_normal(2048, dtype=np.float32)
    return timings([lambda: formula(x, W, b), lambda: x @ W + b], repeats, pause=0.1)


def import_time(repeats=9):
    """Median seconds of `import mathlib` (and of `import numpy`) in a fresh interpreter, less its start-up,
    the runs interleaved, with compiled bytecode cached (in a temporary directory) as an installed package
    has it, even where PYTHONDONTWRITEBYTECODE is set."""
    import tempfile
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    codes = {"bare": "pass", "numpy": "import numpy", "mathlib": "import mathlib"}
    times = {k: [] for k in codes}
    with tempfile.TemporaryDirectory() as cache:
        env["PYTHONPYCACHEPREFIX"] = cache

        def run(code):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, env=env)
            return time.perf_counter() - t
        for code in codes.values():
            run(code)                                                    # compile and cache once
        for _ in range(repeats):
            for k, code in codes.items():
                times[k].append(run(code))
    bare, numpy_only, full = (statistics.median(times[k]) for k in codes)
    heavy = subprocess.run(
        [sys.executable, "-c", "import sys, mathlib; print(', '.join(m for m in ('torch', 'matplotlib', "
                               "'IPython', 'scipy') if m in sys.modules) or 'none')"],
        check=True, capture_output=True, text=True).stdout.strip()
    return full - bare, numpy_only - bare, heavy


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=int, nargs="+", default=[1, 8])
    ap.add_argument("--length", type=int, default=128, help="source and target length (default 128)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--vocab", type=int, default=37000, help="vocabulary of the full-model rows (default 37000)")
    ap.add_argument("--no-full", action="store_true", help="time only the encoder/decoder stacks")
    args = ap.parse_args()

    from mathlib import interop, transformer

    try:
        import torch
    except ImportError:
        torch = None
    threads = os.cpu_count()
    try:
        import threadpoolctl
        threadpoolctl.threadpool_limits(threads, user_api="blas")
        blas = "; ".join(f"{i['internal_api']} {i.get('architecture', '?')}, {i['num_threads']} threads"
                         for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas")
    except ImportError:
        blas = f"at its default, {threads} threads (threadpoolctl is not installed to confirm)"
    if torch is not None:
        torch.set_num_threads(threads)

    config = transformer.Config(vocab_size=args.vocab, max_len=max(512, args.length),   # the paper's base model,
                                final_norm=True)                   # in torch.nn.Transformer's layout
    params = transformer.cast_params(transformer.init_params(config, np.random.default_rng(0)), np.float32)
    model = interop.torch_model(config, params, dtype=torch.float32) if torch is not None else None
    n = m = args.length

    print(f"numpy {np.__version__} (BLAS {blas}); "
          + (f"torch {torch.__version__} ({torch.get_num_threads()} threads)" if torch else "torch not installed")
          + f"; {threads} cores")
    print("OPENBLAS_CORETYPE=" + os.environ.get("OPENBLAS_CORETYPE", "(unset)")
          + ", OPENBLAS_L2_SIZE=" + os.environ.get("OPENBLAS_L2_SIZE", "(unset)"))
    print(f"base model: d_model {config.d_model}, {config.n_heads} heads of d_k {config.d_k}, d_ff {config.d_ff}, "
          f"{config.n_encoder_layers}+{config.n_decoder_layers} layers, post-LN with the final norms, float32; "
          f"source and target length {n}; {args.repeats} repeats")
    peaks = [matmul_gflops()]

    rows = []
    rng = np.random.default_rng(1)
    for batch in args.batch:
        src = rng.integers(1, config.vocab_size, size=(batch, n))   # no padding: id 0 is <pad>
        tgt = rng.integers(1, config.vocab_size, size=(batch, m))
        X = transformer.embed_with_positions(src, params)     # float32 (batch, n, d_model)
        Y = transformer.embed_with_positions(tgt, params)

        def ml_stacks():
            memory = transformer.encoder_stack(X, params)
            return transformer.decoder_stack(Y, memory, params)   # causal self-attention by default

        cases = [("encoder+decoder", ml_stacks, stack_flops(config, batch, n, m))]
        if not args.no_full:
            cases.append((f"full, vocab {config.vocab_size}", lambda: transformer.forward(src, tgt, params),
                          stack_flops(config, batch, n, m) + logits_flops(config, batch, m)))
        torch_fns = {}
        if torch is not None:
            tX, tY, tsrc, ttgt = (torch.from_numpy(a) for a in (X, Y, src, tgt))
            causal = torch.triu(torch.ones(m, m, dtype=torch.bool), diagonal=1)   # torch: True = not allowed

            def torch_stacks():
                with torch.no_grad():
                    return model(tX, tY, tgt_mask=causal)

            def torch_full():
                with torch.no_grad():
                    return model.forward_ids(tsrc, ttgt)
            torch_fns = {cases[0][0]: torch_stacks, f"full, vocab {config.vocab_size}": torch_full}

        for what, ml, flops in cases:
            out = ml()
            assert out.dtype == np.float32, out.dtype
            tc = torch_fns.get(what)
            if tc is None:
                (t_ml,), t_tc, diff = timings([ml], args.repeats), None, None
            else:
                diff = float(np.max(np.abs(out - tc().numpy())))
                t_ml, t_tc = timings([ml, tc], args.repeats)
            rows.append((what, batch, flops, t_ml, t_tc, diff))
        peaks.append(matmul_gflops())
    peak = max(peaks)

    header = (f"{'':<21}{'batch':>6}{'GFLOP':>7}{'mathlib ms':>16}{'torch ms':>16}{'ratio':>7}"
              f"{'GFLOP/s':>9}{'of peak':>9}")
    print()
    print(" " * 34 + "median (best)   median (best)")
    print(header)
    print("-" * len(header))
    for what, batch, flops, t_ml, t_tc, diff in rows:
        med_ml = statistics.median(t_ml)
        gfs = flops / med_ml / 1e9
        torch_cell = f"{statistics.median(t_tc) * 1e3:>9.1f} ({min(t_tc) * 1e3:>5.1f})" if t_tc else f"{'-':>16}"
        ratio = f"{med_ml / statistics.median(t_tc):>7.2f}" if t_tc else f"{'-':>7}"
        print(f"{what:<21}{batch:>6}{flops / 1e9:>7.1f}{med_ml * 1e3:>9.1f} ({min(t_ml) * 1e3:>5.1f})"
              f"{torch_cell}{ratio}{gfs:>9.1f}{gfs / peak:>9.0%}"
              + (f"   max |mathlib - torch| {diff:.1e}" if diff is not None else ""))
    print(f"\nmatmul peak: numpy float32 2048x2048, {peak:.1f} GFLOP/s (the best of {len(peaks)} measurements "
          f"spread over the run: " + ", ".join(f"{p:.0f}" for p in peaks) + ")")
    print("best-of-repeats view: " + "; ".join(
        f"{what.split(',')[0]} b{batch}: {flops / min(t_ml) / 1e9 / peak:.0%} of peak"
        + (f", ratio {min(t_ml) / min(t_tc):.2f}" if t_tc else "")
        for what, batch, flops, t_ml, t_tc, _ in rows))
    trick, plain = linear_trick()
    print(f"linear (8, 128, 512) @ (512, 2048) + b, median (best): {statistics.median(trick) * 1e3:.1f} "
          f"({min(trick) * 1e3:.1f}) ms as one 2-D product (mathlib's linear), {statistics.median(plain) * 1e3:.1f} "
          f"({min(plain) * 1e3:.1f}) ms as numpy's stacked x @ W + b")
    full, numpy_only, heavy = import_time()
    print(f"import mathlib: {full * 1e3:.0f} ms in a fresh interpreter (numpy alone: {numpy_only * 1e3:.0f} ms); "
          f"heavy modules it loads: {heavy}")
    print("ratio = mathlib median / torch median (goal <= 1.2); of peak = mathlib GFLOP/s / numpy matmul GFLOP/s "
          "(goal >= 60%)")


if __name__ == "__main__":
    main()
