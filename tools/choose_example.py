"""Choose the book's running example so that it stays alive through all twelve layers (issue 10).

usage:  PYTHONPATH=. python tools/choose_example.py [--seeds N] [--robust-seeds N]

The script is deterministic (every generator is seeded, the search order is fixed).
It uses today's mathlib read-only: mathlib.transformer (encode, encoder_layer,
decoder_layer, embed_with_positions), mathlib.generate.greedy_decode and
mathlib.example (CONFIG, VOCAB, PARAMS), and builds candidate parameters with its
own drawers by constructing mathlib's dataclasses in the order
mathlib.example.example_params draws them:

    rng = np.random.default_rng(seed)
    for each of the 6 encoder layers:
        attention: W_Q, W_K, W_V = projection(rng, (4, 6)) (three calls, in this order)
                   W_O = tenths(rng, (6, 4));  b_Q = b_K = b_V = 0 (6,), b_O = 0 (4,)
        ffn:       W1 = tenths(rng, (4, 8)), b1 = tenths(rng, (8,)),
                   W2 = tenths(rng, (8, 4)), b2 = tenths(rng, (4,))
        both layer norms gamma = 1, beta = 0 (no draw)
    for each of the 6 decoder layers: self-attention, cross-attention (each as
        above), ffn (as above)
    W_out = tenths(rng, (4, 10)), b_out = 0

    tenths(rng, shape)     = np.round(rng.normal(0, std, size=shape), 1) + 0.0
                             (+ 0.0 only turns -0.0 into 0.0; the values are the same)
    projection(rng, shape) = one of PROJECTIONS below, e.g.
                             rng.integers(-1, 2, size=shape) / 2   -> {-1/2, 0, 1/2}

What it measures on "Hello World" (source [3, 4], decoder input <sos> hola mundo
= [1, 6, 7]), with rel(a, b) = ||a - b||_2 / ((||a||_2 + ||b||_2) / 2):

    a  mem_rel   rel(memory[0], memory[1]) after all six encoder layers    (>= 0.1, aim 0.15)
    b  cross     the largest cross-attention weight in decoder layer 0,
                 over both heads and all three queries                     (>= 0.65, aim 0.7)
    c  D_rel     the smallest rel() between two rows of the decoder output
                 D (after six decoder layers, before W_out)                (>= 0.05)
    d  outputs   greedy_decode (max_len 10) of the SENTENCES below: how
                 many distinct outputs                                     (>= 2)
    e  self      the largest self-attention weight in encoder layer 0 and
                 in decoder layer 0; in the decoder, query 0 (<sos>) sees
                 only itself, so its weight is 1 by the causal mask and is
                 left out                                                  (<= 0.95)
    f  (nice to have) both heads of encoder layer 0 have their largest
       weight in [0.6, 0.92] and choose differently (the argmax key per query
       differs between the heads), and in at least one head the two queries
       prefer different keys (the head depends on the query, not only on the
       keys); and positional encoding matters: pe_rel =
       the smaller, over the two words, of rel(word's memory row in "hello
       world", the same word's row in "world hello") >= 0.05 (without PE the
       encoder is permutation-equivariant and this is 0); and the memory's
       two rows are neither alike nor opposite, |cos(m_hello, m_world)| <= 0.7
       (with two tokens, many seeds push the rows to nearly opposite
       directions, cos < -0.9: alive, but not a typical picture).

Stage 1 scores every (embedding set, projection, std) over seeds 0..R-1 (the
robustness table: median mem_rel, the fraction collapsed below 1e-2, the
fraction meeting each of a, b, c, e, all of a-e, a-f, and the aims), next to
today's example (today's vectors and drawers) and mathlib.transformer.init_params
(Glorot). The most robust configuration is the one with the largest fraction
meeting a-e (then the aims, then a-f, then the median). Stage 2 searches seeds
0..N-1 of that configuration and ranks them by: meets a-e; meets the aims;
meets f; chapter 9's four sentences get four different greedy outputs; greedy
"hello world" stops at <eos> within 10 tokens (the reader sees the loop stop);
then the weakest margin to the aims and the sum of the margins (each a ratio to
its aim, capped at 2). Then the BEFORE (today's mathlib.example.PARAMS) and
AFTER (the best seed) figures.
"""
import argparse
import itertools
import statistics

import numpy as np

from mathlib import example, generate, tokens
from mathlib import transformer as T
from mathlib.attention import AttentionParams
from mathlib.layers import FeedForwardParams, LayerNormParams
from mathlib.transformer import DecoderLayerParams, EncoderLayerParams, TransformerParams

CONFIG = example.CONFIG
VOCAB = example.VOCAB
SOURCE_IDS = [3, 4]            # hello world
TARGET_INPUT = [1, 6, 7]       # <sos> hola mundo
SENTENCES = ["hello world", "goodbye world", "hello", "world hello !", "goodbye",
             "world hello", "goodbye world !", "world", "hello !", "hello world !"]
CHAPTER_9 = ["hello world", "goodbye", "world hello", "goodbye world !"]   # chapter 9's table

# The thresholds of issue 10, and the margins this search aims for.
NEED = dict(mem_rel=0.1, cross=0.65, D_rel=0.05, outputs=2, self=0.95)
AIM = dict(mem_rel=0.15, cross=0.7, D_rel=0.05, outputs=4, self=0.95)

# ---------------------------------------------------------------------------------------------
# Candidate embeddings, picked by hand. <pad> stays the zero vector; <sos> and <eos> are
# one-hot-like; the seven word vectors are small integers chosen so that no two rows are equal
# after subtracting their mean, nor after subtracting the mean and dividing by the spread
# (layer norm maps such rows to the same vector): the cosine of every pair of centred rows is
# at most 0.8.
EMBEDDING_SETS = {
    # entries -2..2: each word an arrangement of small signed numbers, norms near 2.4 (the
    # norm of a layer-normed row is sqrt(d_model) = 2), so layer 0 sees the scale later layers see
    "signed": [
        [0, 0, 0, 0],     # <pad>
        [1, 0, 0, 0],     # <sos>
        [0, 0, 0, 1],     # <eos>
        [2, 1, -1, 0],    # hello
        [-1, 2, 1, 0],    # world
        [0, -1, 1, 2],    # goodbye
        [2, 0, 1, -1],    # hola
        [1, -1, 2, 0],    # mundo
        [1, 0, -1, 2],    # adios
        [0, 2, -1, 0],    # !
    ],
    # the same word directions shifted by +1 (entries 0..3, no minus signs): a larger common
    # component, which layer norm removes but attention's dot products do not
    "nonneg": [
        [0, 0, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1],
        [3, 2, 0, 1], [0, 3, 2, 1], [1, 0, 2, 3], [3, 1, 2, 0], [2, 0, 3, 1], [2, 1, 0, 3], [1, 3, 0, 1],
    ],
    # keeps "Hello" = [1, 2, 3, 4] of the original write-up; entries 0..5, norms 5-7
    "keephello": [
        [0, 0, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1],
        [1, 2, 3, 4], [4, 1, 2, 5], [3, 5, 1, 2], [5, 3, 4, 1], [3, 1, 4, 1], [1, 5, 2, 2], [2, 3, 5, 1],
    ],
    # entries in {-1, 0, 1}: word norms 1.4-1.7, the size of the positional encoding (norm sqrt 2)
    # and of a layer-normed row (norm 2); every product by hand is 0 or +-the weight
    "ternary": [
        [0, 0, 0, 0],     # <pad>
        [1, 0, 0, 0],     # <sos>
        [0, 0, 0, 1],     # <eos>
        [1, 1, 0, -1],    # hello
        [-1, 1, 1, 0],    # world
        [0, -1, 1, 1],    # goodbye
        [1, 0, 1, -1],    # hola
        [1, -1, 1, 0],    # mundo
        [1, 0, -1, 1],    # adios
        [0, 1, -1, 0],    # !
    ],
}
EMBEDDING_SETS = {k: np.array(v, dtype=np.float64) for k, v in EMBEDDING_SETS.items()}
TODAY_EMBEDDINGS = np.array(example.EMBEDDINGS, dtype=np.float64)


def embedding_problems(E, max_cos=0.8):
    """What is wrong with an embedding table E (vocab, d_model): a list of strings, [] if nothing.

    Checks: <pad> is the zero vector; no row other than <pad> is constant; no two rows are equal
    after centring (they would differ by a constant vector); the centred rows of every pair have
    cosine <= max_cos (at cosine 1 layer norm maps the two rows to the same vector)."""
    problems = []
    if np.any(E[example.PAD] != 0):
        problems.append("<pad> is not the zero vector")
    C = E - E.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(C, axis=1)
    for i in range(len(E)):
        if i != example.PAD and norms[i] == 0:
            problems.append(f"{VOCAB[i]} is a constant vector")
    for i, j in itertools.combinations(range(len(E)), 2):
        if np.array_equal(C[i], C[j]):
            problems.append(f"{VOCAB[i]} and {VOCAB[j]} differ by a constant vector")
        elif norms[i] > 0 and norms[j] > 0 and C[i] @ C[j] / (norms[i] * norms[j]) > max_cos:
            problems.append(f"{VOCAB[i]} and {VOCAB[j]}: centred cosine "
                            f"{C[i] @ C[j] / (norms[i] * norms[j]):.3f} > {max_cos}")
    return problems


# ---------------------------------------------------------------------------------------------
# Drawers (see the module docstring for the order of the calls).
PROJECTIONS = {
    "ints{-1,0,1}": lambda rng, shape: rng.integers(-1, 2, size=shape).astype(np.float64),   # today
    "halves{-1/2,0,1/2}": lambda rng, shape: rng.integers(-1, 2, size=shape) / 2,
    "halves{-1..1}": lambda rng, shape: rng.integers(-2, 3, size=shape) / 2,
}
STDS = (0.2, 0.3, 0.4, 0.5)


def tenths(rng, shape, std):
    """Normal draws rounded to one decimal (+ 0.0 turns the -0.0 of rounding into 0.0, for printing)."""
    return np.round(rng.normal(0, std, size=shape), 1) + 0.0


def draw_attention(rng, projection, std, c=CONFIG):
    hk, hv = c.n_heads * c.d_k, c.n_heads * c.d_v
    W_Q = projection(rng, (c.d_model, hk))
    W_K = projection(rng, (c.d_model, hk))
    W_V = projection(rng, (c.d_model, hv))
    W_O = tenths(rng, (hv, c.d_model), std)
    return AttentionParams(W_Q=W_Q, W_K=W_K, W_V=W_V, W_O=W_O, b_Q=np.zeros(hk), b_K=np.zeros(hk),
                           b_V=np.zeros(hv), b_O=np.zeros(c.d_model))


def draw_ffn(rng, std, c=CONFIG):
    W1 = tenths(rng, (c.d_model, c.d_ff), std)
    b1 = tenths(rng, (c.d_ff,), std)
    W2 = tenths(rng, (c.d_ff, c.d_model), std)
    b2 = tenths(rng, (c.d_model,), std)
    return FeedForwardParams(W1=W1, b1=b1, W2=W2, b2=b2)


def norm(c=CONFIG):
    return LayerNormParams(gamma=np.ones(c.d_model), beta=np.zeros(c.d_model), eps=c.eps)


def draw_params(embeddings, projection, std, seed, c=CONFIG):
    """A TransformerParams drawn like mathlib.example.example_params, with these drawers."""
    if isinstance(projection, str):
        projection = PROJECTIONS[projection]
    rng = np.random.default_rng(seed)
    enc = []
    for _ in range(c.n_encoder_layers):
        attn = draw_attention(rng, projection, std, c)
        ffn = draw_ffn(rng, std, c)
        enc.append(EncoderLayerParams(attn, norm(c), ffn, norm(c)))
    dec = []
    for _ in range(c.n_decoder_layers):
        self_attn = draw_attention(rng, projection, std, c)
        cross_attn = draw_attention(rng, projection, std, c)
        ffn = draw_ffn(rng, std, c)
        dec.append(DecoderLayerParams(self_attn, norm(c), cross_attn, norm(c), ffn, norm(c)))
    W_out = tenths(rng, (c.d_model, c.vocab_size), std)
    return TransformerParams(embedding=np.array(embeddings, dtype=np.float64), encoder_layers=enc,
                             decoder_layers=dec, W_out=W_out, b_out=np.zeros(c.vocab_size))


def glorot_params(seed, embeddings=None):
    """mathlib.transformer.init_params with the toy config; optionally other embeddings."""
    p = T.init_params(CONFIG, np.random.default_rng(seed))
    if embeddings is not None:
        p.embedding = np.array(embeddings, dtype=np.float64)
    return p


# ---------------------------------------------------------------------------------------------
# Measurements.
def rel(a, b):
    """||a - b|| / mean(||a||, ||b||)."""
    return float(np.linalg.norm(a - b) / ((np.linalg.norm(a) + np.linalg.norm(b)) / 2))


def _ids(x):
    return np.array(x if not isinstance(x, str) else tokens.encode(x, VOCAB), dtype=np.int64)


def measure_cheap(params):
    """Criteria a, b, c, e and f (everything but greedy decoding) as a dict."""
    src, tgt = _ids(SOURCE_IDS), _ids(TARGET_INPUT)
    memory = T.encode(src, params, CONFIG)
    X = T.embed_with_positions(src, params, CONFIG)
    _, enc_w = T.encoder_layer(X, params.encoder_layers[0], CONFIG, return_weights=True)     # (h, 2, 2)
    Y = T.embed_with_positions(tgt, params, CONFIG)
    D = Y
    for i, layer in enumerate(params.decoder_layers):
        if i == 0:
            D, w = T.decoder_layer(D, memory, layer, CONFIG, return_weights=True)   # causal mask
        else:
            D = T.decoder_layer(D, memory, layer, CONFIG)
    dec_self, cross = w["self"], w["cross"]                                          # (h, 3, 3), (h, 3, 2)
    h, q, k = np.unravel_index(np.argmax(cross), cross.shape)
    memory_wh = T.encode(_ids([4, 3]), params, CONFIG)       # world hello
    heads = [enc_w[j] for j in range(enc_w.shape[0])]
    choices = [tuple(np.argmax(hw, axis=-1)) for hw in heads]      # the key each query prefers, per head
    f_heads = (all(0.6 <= hw.max() <= 0.92 for hw in heads)
               and len(set(choices)) > 1                            # the heads choose differently
               and any(len(set(c)) > 1 for c in choices))           # and in one head, by query
    m = dict(
        mem_rel=rel(memory[0], memory[1]),
        cross=float(cross.max()), cross_where=(int(h), int(q), int(k)),
        D_rel=min(rel(D[i], D[j]) for i, j in itertools.combinations(range(len(D)), 2)),
        enc_self=float(enc_w.max()), dec_self=float(dec_self[:, 1:, :].max()),
        pe_rel=min(rel(memory[0], memory_wh[1]), rel(memory[1], memory_wh[0])),
        f_heads=bool(f_heads), enc_w=enc_w, cross_w=cross, memory=memory, D=D)
    m["self"] = max(m["enc_self"], m["dec_self"])
    m["mem_cos"] = float(memory[0] @ memory[1] / (np.linalg.norm(memory[0]) * np.linalg.norm(memory[1])))
    m["f"] = m["f_heads"] and m["pe_rel"] >= 0.05 and abs(m["mem_cos"]) <= 0.7
    return m


def greedy_outputs(params, sentences=SENTENCES):
    return {s: tuple(generate.greedy_decode(_ids(s), params, CONFIG, example.SOS, example.EOS,
                                            max_len=10).tokens) for s in sentences}


def cheap_pass(m, need=NEED):
    return (m["mem_rel"] >= need["mem_rel"] and m["cross"] >= need["cross"]
            and m["D_rel"] >= need["D_rel"] and m["self"] <= need["self"])


def measure(params, need=NEED):
    """All criteria; greedy decoding only when a, b, c and e already hold (it is the slow part)."""
    m = measure_cheap(params)
    if cheap_pass(m, need):
        m["greedy"] = greedy_outputs(params)
        m["outputs"] = len(set(m["greedy"].values()))
        m["ch9"] = len({m["greedy"][x] for x in CHAPTER_9})
        m["hw_eos"] = example.EOS in m["greedy"]["hello world"]
    else:
        m["greedy"], m["outputs"], m["ch9"], m["hw_eos"] = None, None, None, False
    m["pass"] = cheap_pass(m, need) and m["outputs"] >= need["outputs"]
    return m


def margin(m):
    """The weakest criterion, each as a ratio to its aim (1 = just at the aim), capped at 2."""
    r = [m["mem_rel"] / AIM["mem_rel"], (m["cross"] - 0.5) / (AIM["cross"] - 0.5), m["D_rel"] / AIM["D_rel"],
         (m["outputs"] or 0) / AIM["outputs"], (1 - m["self"]) / (1 - AIM["self"])]
    r = [min(x, 2.0) for x in r]
    return min(r), sum(r)


def meets_aims(m):
    return m["pass"] and cheap_pass(m, AIM) and m["outputs"] >= AIM["outputs"]


def rank_key(m):
    lo, total = margin(m)
    return (m["pass"], meets_aims(m), m["f"], m["ch9"] == len(CHAPTER_9), m["hw_eos"], lo, total)


# ---------------------------------------------------------------------------------------------
# Printing.
def _arrays(obj):
    """Every array of a parameter object, in field order."""
    if isinstance(obj, np.ndarray):
        return [obj]
    if isinstance(obj, list):
        return [a for x in obj for a in _arrays(x)]
    if obj is None:
        return []
    return [a for x in vars(obj).values() for a in _arrays(x)]


def fmt(m):
    outs = "-" if m["outputs"] is None else str(m["outputs"])
    h, q, k = m["cross_where"]
    return (f"mem_rel {m['mem_rel']:.3f}  cross {m['cross']:.3f} (head {h}, query "
            f"{VOCAB[TARGET_INPUT[q]]}, key {VOCAB[SOURCE_IDS[k]]})  D_rel {m['D_rel']:.3f}  "
            f"outputs {outs}/{len(SENTENCES)}  self enc {m['enc_self']:.3f} dec {m['dec_self']:.3f}  "
            f"pe_rel {m['pe_rel']:.3f}  mem_cos {m['mem_cos']:.2f}  f {'yes' if m['f'] else 'no'}"
            + (f"  ch9 {m['ch9']}/4" if m.get("ch9") is not None else "")
            + ("  hello world -> <eos>" if m.get("hw_eos") else ""))


def words(ids):
    return " ".join(VOCAB[i] for i in ids) if ids else "(nothing)"


def robustness(make, seeds, label):
    ms = [measure(make(s)) for s in seeds]
    mem = [m["mem_rel"] for m in ms]
    row = dict(label=label, median=statistics.median(mem), collapsed=np.mean([x < 1e-2 for x in mem]),
               frac=np.mean([m["pass"] for m in ms]), aims=np.mean([meets_aims(m) for m in ms]),
               frac_f=np.mean([m["pass"] and m["f"] for m in ms]),
               each={k: np.mean(v) for k, v in dict(
                   a=[m["mem_rel"] >= NEED["mem_rel"] for m in ms], b=[m["cross"] >= NEED["cross"] for m in ms],
                   c=[m["D_rel"] >= NEED["D_rel"] for m in ms], e=[m["self"] <= NEED["self"] for m in ms]).items()})
    return row


def print_robust(row):
    e = row["each"]
    print(f"  {row['label']:<44} median mem_rel {row['median']:8.2e}  <1e-2 {row['collapsed']:4.0%}  "
          f"a {e['a']:4.0%} b {e['b']:4.0%} c {e['c']:4.0%} e {e['e']:4.0%}  a-e {row['frac']:4.0%}  "
          f"a-f {row['frac_f']:4.0%}  aims {row['aims']:4.0%}")


def report(title, params):
    m = measure_cheap(params)
    g = greedy_outputs(params)
    print(f"\n{title}")
    print("  " + fmt(dict(m, outputs=len(set(g.values())), ch9=len({g[x] for x in CHAPTER_9}),
                          hw_eos=example.EOS in g["hello world"])))
    print("  memory rows:", np.round(m["memory"], 3).tolist())
    print("  D rows:     ", np.round(m["D"], 3).tolist())
    for j, w in enumerate(m["enc_w"]):
        print(f"  encoder layer 0, head {j} (rows hello, world; columns hello, world):", np.round(w, 3).tolist())
    for j, w in enumerate(m["cross_w"]):
        print(f"  decoder layer 0 cross-attention, head {j} (rows <sos> hola mundo):", np.round(w, 3).tolist())
    for s, out in g.items():
        print(f"  greedy {s!r:<20} -> {words(out)}")
    return m, g


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=300, help="seeds searched in stage 2 (0..N-1)")
    ap.add_argument("--robust-seeds", type=int, default=40, help="seeds per configuration in stage 1")
    ap.add_argument("--top", type=int, default=5)
    args = ap.parse_args(argv)

    # the drawers reproduce mathlib.example.example_params with today's choices
    today = draw_params(TODAY_EMBEDDINGS, "ints{-1,0,1}", 0.5, example.SEED)
    assert np.array_equal(T.forward([3, 4], [1, 6, 7], today, CONFIG),
                          T.forward([3, 4], [1, 6, 7], example.PARAMS, CONFIG))
    assert all(np.array_equal(a, b) for a, b in zip(_arrays(today), _arrays(example.PARAMS)))

    print("Embedding sets (problems found by embedding_problems):")
    print(f"  today: {embedding_problems(TODAY_EMBEDDINGS) or 'none'}")
    for name, E in EMBEDDING_SETS.items():
        print(f"  {name}: {embedding_problems(E) or 'none'}")
        assert not embedding_problems(E), name

    seeds = range(args.robust_seeds)
    print(f"\nStage 1: robustness over seeds 0..{args.robust_seeds - 1} "
          f"(a mem_rel >= 0.1, b cross >= 0.65, c D_rel >= 0.05, e self <= 0.95; a-e adds d)")
    rows_before = [robustness(lambda s: draw_params(TODAY_EMBEDDINGS, "ints{-1,0,1}", 0.5, s), seeds,
                              "today: today's vectors, ints{-1,0,1}, std 0.5"),
                   robustness(glorot_params, seeds, "init_params (Glorot, its own embeddings)")]
    for name, E in EMBEDDING_SETS.items():
        rows_before.append(robustness(lambda s: glorot_params(s, E), seeds, f"init_params with {name} vectors"))
    for row in rows_before:
        print_robust(row)
    rows = []
    for (name, E), proj, std in itertools.product(EMBEDDING_SETS.items(), PROJECTIONS, STDS):
        row = robustness(lambda s: draw_params(E, proj, std, s), seeds, f"{name}, {proj}, std {std}")
        row["config"] = (name, proj, std)
        rows.append(row)
        print_robust(row)

    baselines = rows_before
    best = max(rows, key=lambda r: (r["frac"], r["aims"], r["frac_f"], r["median"]))
    name, proj, std = best["config"]
    print(f"\nMost robust configuration (largest fraction meeting a-e, then the aims, then a-f, then median): "
          f"{name}, {proj}, std {std}")

    print(f"\nStage 2: seeds 0..{args.seeds - 1} of that configuration, best {args.top} "
          f"(ranked by: meets a-e, meets the aims, meets f, chapter 9's four sentences "
          f"translate four ways, greedy 'hello world' stops at <eos>, weakest margin to the aims, sum of margins)")
    found = []
    for s in range(args.seeds):
        m = measure(draw_params(EMBEDDING_SETS[name], proj, std, s))
        found.append((rank_key(m), -s, s, m))
    found.sort(key=lambda t: t[:2], reverse=True)
    for _, _, s, m in found[:args.top]:
        print(f"  seed {s:4d}: {fmt(m)}")
    seed = found[0][2]

    report("BEFORE: mathlib.example.PARAMS today", example.PARAMS)
    report(f"AFTER: {name} vectors, W_Q/W_K/W_V {proj}, tenths std {std}, seed {seed}",
           draw_params(EMBEDDING_SETS[name], proj, std, seed))
    print(f"\nRobustness over seeds 0..{args.robust_seeds - 1}: the choice against today and Glorot")
    for row in [best, baselines[0], baselines[1], next(r for r in baselines if name in r["label"])]:
        print_robust(row)
    print("\nChosen EMBEDDINGS:")
    for tok, row in zip(VOCAB, EMBEDDING_SETS[name].astype(int).tolist()):
        print(f"  {tok:<8} {row}")


if __name__ == "__main__":
    main()
