"""A generated English → Spanish phrase corpus, for chapter 12.

Every phrase is a determiner, an adjective and a noun. Spanish puts the
adjective after the noun, and the article and the adjective take the
noun's gender:

    the red car    →  el coche rojo         a red car    →  un coche rojo
    the red house  →  la casa roja          a red house  →  una casa roja

2 determiners × 12 nouns × 10 adjectives make 240 phrases. `split` keeps
60 of them out of training, in two kinds:

- "new pair": the noun and the adjective never occur together in a
  training phrase (the strict test), 15 pairs with both determiners;
- "new determiner": the pair occurs in training, with the other
  determiner only.

Every word of a held-out phrase occurs in training, so the held-out
phrases test whether the model learned the rule, not whether it knows
the words. The split is drawn from np.random.default_rng(seed).

`two_adjectives` adds phrases whose meaning depends on word order, "the
red and white car" → "el coche rojo y blanco": the experiment that shows
what positional encoding is for. CONFIG and SETTINGS are the model and
the training of chapter 12.
"""
import contextlib

import numpy as np

from . import transformer
from .transformer import Config

# English noun: (Spanish noun, gender)
NOUNS = {
    "car": ("coche", "m"), "dog": ("perro", "m"), "book": ("libro", "m"),
    "cat": ("gato", "m"), "hat": ("sombrero", "m"), "boat": ("barco", "m"),
    "house": ("casa", "f"), "table": ("mesa", "f"), "door": ("puerta", "f"),
    "window": ("ventana", "f"), "chair": ("silla", "f"),
    "shirt": ("camisa", "f"),
}
# English adjective: (masculine, feminine)
ADJECTIVES = {
    "red": ("rojo", "roja"), "white": ("blanco", "blanca"),
    "black": ("negro", "negra"), "new": ("nuevo", "nueva"),
    "old": ("viejo", "vieja"), "tall": ("alto", "alta"),
    "pretty": ("bonito", "bonita"), "ugly": ("feo", "fea"),
    "cheap": ("barato", "barata"), "clean": ("limpio", "limpia"),
}
# English determiner: (masculine, feminine)
DETERMINERS = {"the": ("el", "la"), "a": ("un", "una")}

SPECIALS = ("<pad>", "<sos>", "<eos>")
PAD, SOS, EOS = 0, 1, 2


def translate(det, adj, noun):
    """The Spanish of `det adj noun`, by the rule: article, noun,
    adjective, the article and the adjective in the noun's gender.

    >>> translate("the", "red", "house")
    'la casa roja'
    """
    spanish, gender = NOUNS[noun]
    g = 0 if gender == "m" else 1
    return f"{DETERMINERS[det][g]} {spanish} {ADJECTIVES[adj][g]}"


def all_phrases():
    """Every (english, spanish) phrase of the word lists: 240 pairs, in the
    order determiner, noun, adjective."""
    return [(f"{d} {a} {n}", translate(d, a, n))
            for d in DETERMINERS for n in NOUNS for a in ADJECTIVES]


def vocabulary():
    """The tokens: <pad> <sos> <eos>, the English words, the Spanish words
    (one table for both sides, as in the paper), 65 in all."""
    english = [*DETERMINERS, *ADJECTIVES, *NOUNS, "and"]
    spanish = ["y"] + [w for pair in DETERMINERS.values() for w in pair]
    spanish += [s for s, _ in NOUNS.values()]
    spanish += [w for pair in ADJECTIVES.values() for w in pair]
    return (*SPECIALS, *english, *spanish)


VOCAB = vocabulary()

# Chapter 12's model: wider and shallower than the toy (d_model 4, 6 + 6).
CONFIG = Config(d_model=32, n_heads=4, d_k=8, d_v=8, d_ff=64,
                n_encoder_layers=2, n_decoder_layers=2,
                vocab_size=len(VOCAB), max_len=16)
# Chapter 12's training: the paper's schedule (lr 1) with 100 warm-up
# steps, minibatches of 30 phrases, label smoothing 0.1. 200 steps are
# short enough that runs whose starts differ by 1e-10 agree to about 1e-9
# (tests/test_chapter_12.py checks what the chapter prints).
SETTINGS = dict(steps=200, lr=1.0, warmup=100, batch_size=30,
                label_smoothing=0.1, p_drop=0.0, seed=0)


def split(seed=0, new_pairs=15, new_determiners=30):
    """(train, held_out, kind): two lists of (english, spanish) pairs, and
    {english: "new pair" or "new determiner"} for the held-out ones.

    new_pairs noun–adjective pairs are held out with both determiners;
    new_determiners more phrases are held out whose pair stays in training
    with the other determiner. Every noun keeps at least one training
    phrase with each determiner, and every adjective with each gender, so
    every held-out word, and every form it needs, is seen in training.
    """
    rng = np.random.default_rng(seed)
    pairs = [(a, n) for n in NOUNS for a in ADJECTIVES]
    while True:
        order = rng.permutation(len(pairs))
        strict = {pairs[i] for i in order[:new_pairs]}
        rest = [pairs[i] for i in order[new_pairs:]]
        dets = rng.integers(0, len(DETERMINERS), size=new_determiners)
        held = {(d, a, n) for a, n in strict for d in DETERMINERS}
        held |= {(list(DETERMINERS)[k], *rest[i])
                 for i, k in zip(range(new_determiners), dets)}
        train = [(d, a, n) for d in DETERMINERS for n in NOUNS
                 for a in ADJECTIVES if (d, a, n) not in held]
        if _covers(train):
            break
    kind = {f"{d} {a} {n}": "new pair" if (a, n) in strict
            else "new determiner" for d, a, n in held}
    as_text = [(f"{d} {a} {n}", translate(d, a, n)) for d, a, n in train]
    held_text = [(f"{d} {a} {n}", translate(d, a, n))
                 for d in DETERMINERS for n in NOUNS for a in ADJECTIVES
                 if (d, a, n) in held]
    return as_text, held_text, kind


def translate_two(det, adj1, adj2, noun):
    """The Spanish of `det adj1 and adj2 noun`: the adjectives keep their
    order, after the noun, both in the noun's gender.

    >>> translate_two("the", "red", "white", "house")
    'la casa roja y blanca'
    """
    spanish, gender = NOUNS[noun]
    g = 0 if gender == "m" else 1
    return (f"{DETERMINERS[det][g]} {spanish} {ADJECTIVES[adj1][g]} y "
            f"{ADJECTIVES[adj2][g]}")


def two_adjectives(n_train=120, n_held_out=60, seed=0):
    """(train, held_out): phrases with two adjectives, drawn at random from
    the 2160 there are; "the red and white car" and "the white and red
    car" hold the same words, and only their order says which comes
    first."""
    rng = np.random.default_rng(seed)
    every = [(d, a, b, n) for d in DETERMINERS for n in NOUNS
             for a in ADJECTIVES for b in ADJECTIVES if a != b]
    order = rng.permutation(len(every))
    chosen = [every[i] for i in order[:n_train + n_held_out]]
    pairs = [(f"{d} {a} and {b} {n}", translate_two(d, a, b, n))
             for d, a, b, n in chosen]
    return pairs[:n_train], pairs[n_train:]


def swap_adjectives(pairs):
    """The two-adjective pairs with their adjectives in the other order:
    "the red and white car" → ("the white and red car", "el coche blanco
    y rojo")."""
    out = []
    for english, _ in pairs:
        det, adj1, _, adj2, noun = english.split()
        out.append((f"{det} {adj2} and {adj1} {noun}",
                    translate_two(det, adj2, adj1, noun)))
    return out


def phrase(text, default="the red car"):
    """`text` if every word of it is in VOCAB; else a printed note and
    `default` (a reader who tries another phrase gets on with the page)."""
    unknown = [w for w in str(text).lower().split() if w not in VOCAB]
    if not unknown:
        return text
    print(f"Note: {', '.join(unknown)} not in the vocabulary of "
          f"chapter 12; using {default!r}.")
    return default


def _covers(train):
    """True if every noun has a training phrase with each determiner and
    every adjective one with each gender."""
    seen_nd = {(d, n) for d, _, n in train}
    seen_ag = {(a, NOUNS[n][1]) for _, a, n in train}
    return (len(seen_nd) == len(DETERMINERS) * len(NOUNS)
            and len(seen_ag) == 2 * len(ADJECTIVES))


@contextlib.contextmanager
def without_positions():
    """An experiment: inside `with phrases.without_positions():` the model
    adds no positional encoding (PE = 0) to its embeddings, in training,
    in translation and in every forward pass; on leaving, it does again.

    transformer.embed_with_positions computes E + PE through the module's
    name `positional_encoding`; this swaps that one name for zeros.
    """
    saved = transformer.positional_encoding
    transformer.positional_encoding = _no_positions
    try:
        yield
    finally:
        transformer.positional_encoding = saved


def _no_positions(n, d_model):
    return np.zeros((n, d_model))
