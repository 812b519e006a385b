"""Training: the toy model's time to translate every training pair, and one step vs PyTorch (toy and chapter 12).

    python benchmarks/bench_train.py                  # both parts, one thread (about a minute)
    python benchmarks/bench_train.py --no-train --repeats 15

Part 1 trains mathlib.example.PARAMS with train.TOY_SETTINGS on the corpus's
training pairs and checks the greedy translations every 10 steps: it prints
the step and the seconds at which every training pair is first translated
exactly, the time of the whole run (the checks included; wall clock and the
process's CPU time, which a busy machine disturbs less), the first and
last loss, and the translations before and after, held-out pairs included.

Part 2 times one training step (forward, cross-entropy with label smoothing
0.1, backward, Adam) in mathlib and in PyTorch (torch.nn.Transformer +
nn.Embedding + nn.Linear through mathlib.interop, torch.optim.Adam), same
parameters and batch, float64 and float32, one thread each, the calls
alternating in this one process; it prints the medians and the ratio
mathlib / torch, for two models:
- the toy, on chapter 11's whole corpus as one padded batch; torch needs
  d_k = d_model / n_heads and the final norms, so in torch's layout
  (d_model 4, 2 heads of 2, d_ff 8, 6 + 6 layers, final_norm=True);
- chapter 12's phrase model (mathlib.phrases.CONFIG: d_model 32, 4 heads
  of 8, d_ff 64, 2 + 2 layers, 65 tokens, with the final norms), on one
  minibatch of its training, 30 phrases.
"""
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"     # before numpy (and torch) start their thread pools

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402


def part_1_train_to_exact():
    from mathlib import corpus, example, train

    pairs, held_out = corpus.load()
    s = train.TOY_SETTINGS
    print(f"Part 1: train.TOY_SETTINGS = {s}")
    print(f"  {len(pairs)} training pairs, {len(held_out)} held out; the greedy translations are checked "
          f"every 10 steps\n")
    before = {src: train.translate(src, example.PARAMS, example.VOCAB) for src, _ in pairs + held_out}
    batch = corpus.to_batch(pairs, example.VOCAB)
    first = {}
    start, start_cpu = time.perf_counter(), time.process_time()

    def check(step, loss, params):                   # the fast check first, then greedy decoding itself
        if (not first and train.teacher_forced_exact(params, batch).all()
                and train.exact_matches(params, pairs, example.VOCAB) == len(pairs)):
            first.update(step=step, seconds=time.perf_counter() - start, loss=loss,
                         cpu=time.process_time() - start_cpu)
    params, losses = train.train(example.PARAMS, pairs, example.VOCAB, **s, callback=check, every=10)
    seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    if first:
        print(f"  100 % exact first after {first['step']} steps, {first['seconds']:.2f} s "
              f"({first['cpu']:.2f} s of CPU; loss {first['loss']:.4f})")
    else:
        print("  NOT 100 % exact at any check")
    final = train.exact_matches(params, pairs, example.VOCAB)
    print(f"  all {len(losses)} steps: {seconds:.2f} s, {cpu:.2f} s of CPU (the checks included); loss: first step "
          f"{losses[0]:.4f}, last step {losses[-1]:.4f}; {final}/{len(pairs)} exact at the end\n")
    print(f"  {'source':<22}{'before training':<40}after {len(losses)} steps")
    for src, tgt in pairs:
        after = train.translate(src, params, example.VOCAB)
        mark = "" if after == f"{tgt} <eos>" else "   (expected " + tgt + ")"
        print(f"  {src:<22}{before[src][:38]:<40}{after}{mark}")
    print("\n  held out:")
    for src, tgt in held_out:
        after = train.translate(src, params, example.VOCAB)
        mark = "exact" if after == f"{tgt} <eos>" else "expected " + tgt
        print(f"  {src:<22}{before[src][:38]:<40}{after:<28}{mark}")
    print()


def part_2_step_vs_torch(repeats, steps_per_repeat):
    import torch

    from mathlib import corpus, example, phrases

    torch.set_num_threads(1)
    print(f"Part 2: one training step (forward, cross-entropy with label smoothing 0.1, backward, Adam)")
    print(f"  numpy {np.__version__}, torch {torch.__version__} ({torch.get_num_threads()} thread); "
          f"median of {repeats} repeats of {steps_per_repeat} steps")
    print("  torch needs d_k = d_model / n_heads and the final norms: both models in torch's layout\n")
    pairs, _ = corpus.load()
    toy = dataclasses.replace(example.CONFIG, d_k=2, d_v=2, final_norm=True)
    time_one_step("the toy (chapter 11)", toy, corpus.to_batch(pairs, example.VOCAB),
                  repeats, steps_per_repeat)
    phrase_pairs, _, _ = phrases.split()
    wide = dataclasses.replace(phrases.CONFIG, final_norm=True)
    batch_size = phrases.SETTINGS["batch_size"]
    time_one_step("the phrase model (chapter 12)", wide,
                  corpus.to_batch(phrase_pairs[:batch_size], phrases.VOCAB),
                  repeats, steps_per_repeat)
    print("  ratio = mathlib median / torch median (goal <= 1.0)")


def time_one_step(name, c, batch, repeats, steps_per_repeat):
    """Time one training step of a model of config `c` on `batch`, in mathlib and in torch
    (same parameters, same batch), float64 and float32; print the medians and their ratio."""
    import torch

    from mathlib import interop, train
    from mathlib import transformer as T

    print(f"  {name}: batch {batch.src.shape} -> {batch.tgt_in.shape}; d_model {c.d_model}, "
          f"{c.n_heads} heads of {c.d_k}, d_ff {c.d_ff}, {c.n_encoder_layers}+{c.n_decoder_layers} "
          f"layers, {c.vocab_size} tokens, final norms")
    print(f"  {'':<8}{'mathlib ms':>12}{'torch ms':>12}{'ratio':>8}   first-step |Δ grad| max")
    for dtype, tdtype in ((np.float64, torch.float64), (np.float32, torch.float32)):
        params = train.writable_copy(T.init_params(c, np.random.default_rng(0)), dtype)
        model = interop.torch_model(c, params, dtype=tdtype).train()
        optimiser = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.98), eps=1e-9)
        state = train.adam_init(params)
        src, tgt_in, tgt_out = (torch.from_numpy(a) for a in (batch.src, batch.tgt_in, batch.tgt_out))

        def torch_step():
            optimiser.zero_grad()
            logits = model.forward_ids(src, tgt_in)
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, c.vocab_size), tgt_out.reshape(-1),
                                                     ignore_index=c.pad_id, label_smoothing=0.1)
            loss.backward()
            optimiser.step()

        def mathlib_step():
            _, grads = train.loss_and_gradients(params, batch, label_smoothing=0.1)
            train.adam_step(params, grads, state, lr=1e-3)

        _, grads = train.loss_and_gradients(params, batch, label_smoothing=0.1)   # same gradients?
        torch_step()
        ours = interop.to_torch_state_dict(grads)
        diff = max(float((ours[k] - p.grad).abs().max()) for k, p in model.named_parameters())
        times = {"mathlib": [], "torch": []}
        for fn in (mathlib_step, torch_step):
            fn()                                                 # warm-up
        for _ in range(repeats):
            for label, fn in (("mathlib", mathlib_step), ("torch", torch_step)):
                t = time.perf_counter()
                for _ in range(steps_per_repeat):
                    fn()
                times[label].append((time.perf_counter() - t) / steps_per_repeat)
        ml, tc = statistics.median(times["mathlib"]), statistics.median(times["torch"])
        print(f"  {np.dtype(dtype).name:<8}{ml * 1e3:>12.2f}{tc * 1e3:>12.2f}{ml / tc:>8.2f}   {diff:.1e}")
    print()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=9)
    ap.add_argument("--steps", type=int, default=10, help="steps per timed repeat (default 10)")
    ap.add_argument("--no-train", action="store_true", help="skip part 1")
    ap.add_argument("--no-torch", action="store_true", help="skip part 2")
    args = ap.parse_args()
    if not args.no_train:
        part_1_train_to_exact()
    if not args.no_torch:
        try:
            import torch  # noqa: F401
        except ImportError:
            print("Part 2 needs torch (pip install -e '.[crosscheck]')")
            return
        part_2_step_vs_torch(args.repeats, args.steps)


if __name__ == "__main__":
    main()
