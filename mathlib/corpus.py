"""The parallel corpus: English → Spanish pairs over the book's vocabulary.

The pairs live in mathlib/data/corpus.tsv (english, spanish, split). A few
are held out of training to test generalisation honestly: they use only
words seen in training, in combinations the model never saw.

`to_batch` turns pairs into the arrays training needs, with teacher
forcing: the decoder reads the target shifted right and predicts it
shifted left,

    decoder input:  <sos> y1 … yn          target:  y1 … yn <eos>

and every row is padded with <pad> to the longest sentence of the batch.
"""
import os
from dataclasses import dataclass

import numpy as np

from .tokens import text_to_ids

SPLITS = ("train", "held-out")
HEADER = ["english", "spanish", "split"]


def load(path=None):
    """(train, held_out): two lists of (english, spanish) text pairs.

    path: a TSV file with the columns english, spanish, split (default:
    the corpus shipped with mathlib). Lines starting with # are comments.
    """
    if path is None:                     # the package data (pyproject.toml)
        path = os.path.join(os.path.dirname(__file__), "data", "corpus.tsv")
    with open(path, encoding="utf-8") as f:
        lines = [line for line in f.read().splitlines()
                 if line.strip() and not line.startswith("#")]
    rows = [line.split("\t") for line in lines]
    if not rows or rows[0] != HEADER:
        raise ValueError(f"the corpus must start with the header "
                         f"english<TAB>spanish<TAB>split, got {rows[:1]}")
    pairs = {split: [] for split in SPLITS}
    for number, row in enumerate(rows[1:], start=2):
        if (len(row) != 3 or row[2] not in SPLITS or not row[0].strip()
                or not row[1].strip()):
            raise ValueError(f"corpus row {number} must be english<TAB>"
                             f"spanish<TAB>train|held-out, got {row}")
        pairs[row[2]].append((row[0], row[1]))
    return pairs["train"], pairs["held-out"]


@dataclass
class Batch:
    """Padded ids for B pairs (<pad> after the end of each sentence).

    src: (B, n) source ids;  tgt_in: (B, m) decoder input <sos> y1 … yk;
    tgt_out: (B, m) the targets y1 … yk <eos>, aligned with tgt_in.
    """
    src: np.ndarray
    tgt_in: np.ndarray
    tgt_out: np.ndarray


def to_batch(pairs, vocab):
    """(source, target) text pairs → a Batch; the ids of <sos>, <eos>,
    <pad> come from `vocab`. An unknown word raises KeyError.

    >>> from mathlib.example import VOCAB
    >>> b = to_batch([("hello world", "hola mundo"), ("goodbye", "adios")],
    ...              VOCAB)
    >>> b.src.tolist(), b.tgt_in.tolist(), b.tgt_out.tolist()
    ([[3, 4], [5, 0]], [[1, 6, 7], [1, 8, 0]], [[6, 7, 2], [8, 2, 0]])
    """
    if not pairs:
        raise ValueError("pairs is empty: a batch needs at least one "
                         "(source, target) pair")
    for special in ("<pad>", "<sos>", "<eos>"):
        if special not in vocab:
            raise ValueError(f"the vocabulary has no {special}: "
                             f"{', '.join(vocab)}")
    pad, sos, eos = (vocab.index(s) for s in ("<pad>", "<sos>", "<eos>"))
    sources = [text_to_ids(src, vocab) for src, _ in pairs]
    targets = [text_to_ids(tgt, vocab) for _, tgt in pairs]
    return Batch(src=_pad(sources, pad),
                 tgt_in=_pad([[sos, *t] for t in targets], pad),   # right
                 tgt_out=_pad([[*t, eos] for t in targets], pad))  # left


def _pad(rows, pad_id):
    """Rows of different lengths → (len(rows), longest) int64, padded."""
    out = np.full((len(rows), max(len(r) for r in rows)), pad_id,
                  dtype=np.int64)
    for i, r in enumerate(rows):
        out[i, :len(r)] = r
    return out
