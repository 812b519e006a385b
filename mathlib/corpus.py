"""The parallel corpus: English → Spanish sentence pairs over the book's vocabulary.

The pairs live in mathlib/data/corpus.tsv (english, spanish, split). A few
are held out of training to test generalisation honestly: they use only
words seen in training, in combinations the model never saw.

`to_batch` turns pairs into the arrays training needs, with teacher forcing:
the decoder reads the target shifted right and predicts it shifted left,

    decoder input:  <sos> y1 … yn          target:  y1 … yn <eos>

and every row is padded with <pad> to the longest sentence of the batch.
"""
from dataclasses import dataclass
from importlib import resources

import numpy as np

from .tokens import encode

SPLITS = ("train", "held-out")


def load(path=None):
    """(train, held_out): two lists of (english, spanish) text pairs.

    path: a TSV file with the columns english, spanish, split (default: the
    corpus shipped with mathlib). Lines starting with # are comments.
    """
    if path is None:
        text = resources.files("mathlib").joinpath("data/corpus.tsv").read_text(encoding="utf-8")
    else:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    rows = [line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if not rows or rows[0] != ["english", "spanish", "split"]:
        raise ValueError(f"the corpus must start with the header english<TAB>spanish<TAB>split, got {rows[:1]}")
    pairs = {split: [] for split in SPLITS}
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != 3 or row[2] not in SPLITS or not row[0].strip() or not row[1].strip():
            raise ValueError(f"corpus row {number} must be english<TAB>spanish<TAB>train|held-out, got {row}")
        pairs[row[2]].append((row[0], row[1]))
    return pairs["train"], pairs["held-out"]


@dataclass
class Batch:
    """Padded id arrays for a batch of B pairs (<pad> after the end of each sentence).

    src: (B, n) source ids;  tgt_in: (B, m) decoder input <sos> y1 … yk;
    tgt_out: (B, m) the targets y1 … yk <eos>, aligned with tgt_in.
    """
    src: np.ndarray
    tgt_in: np.ndarray
    tgt_out: np.ndarray


def to_batch(pairs, vocab):
    """Pairs of texts → a Batch, with the ids of <sos>, <eos>, <pad> taken from `vocab`.

    An unknown word raises KeyError (naming it and the nearest known words).
    """
    if not pairs:
        raise ValueError("pairs is empty: a batch needs at least one (source, target) pair")
    for special in ("<pad>", "<sos>", "<eos>"):
        if special not in vocab:
            raise ValueError(f"the vocabulary has no {special}: {', '.join(vocab)}")
    pad, sos, eos = (vocab.index(s) for s in ("<pad>", "<sos>", "<eos>"))
    sources = [encode(src, vocab) for src, _ in pairs]
    targets = [encode(tgt, vocab) for _, tgt in pairs]
    src = _pad([s for s in sources], pad)
    tgt_in = _pad([np.concatenate([[sos], t]) for t in targets], pad)      # shifted right
    tgt_out = _pad([np.concatenate([t, [eos]]) for t in targets], pad)     # shifted left
    return Batch(src=src, tgt_in=tgt_in, tgt_out=tgt_out)


def _pad(rows, pad_id):
    """Rows of different lengths → (len(rows), longest) int64, pad_id after each row's end."""
    out = np.full((len(rows), max(len(r) for r in rows)), pad_id, dtype=np.int64)
    for i, r in enumerate(rows):
        out[i, :len(r)] = r
    return out
