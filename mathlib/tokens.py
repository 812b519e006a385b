"""Text → tokens → ids, and back; a tiny byte-pair-merge demo for unseen words."""
import re
from collections import Counter

import numpy as np

_WORD = re.compile(r"[^\W_]+|[^\w\s]")  # runs of letters/digits, or one punctuation mark


def tokenize(text):
    """Lower-case words and punctuation marks.

    >>> tokenize("Hello World!")
    ['hello', 'world', '!']
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return _WORD.findall(text.lower())


def text_to_ids(text, vocab):
    """Token ids (int64) of `text` (a str, or a list of tokens) in `vocab`, where a token's id is its index.

    An unknown token raises KeyError naming it, the nearest known tokens and the vocabulary.

    >>> text_to_ids("Hello World", ["<pad>", "hello", "world"]).tolist()
    [1, 2]
    """
    index = {tok: i for i, tok in enumerate(vocab)}
    ids = []
    for tok in tokenize(text) if isinstance(text, str) else list(text):
        if tok not in index:
            import difflib                     # only for the error message: keeps `import mathlib` light
            near = difflib.get_close_matches(tok, list(vocab), n=3, cutoff=0.5)
            hint = f"; nearest: {', '.join(near)}" if near else ""
            raise KeyError(f"unknown token {tok!r}{hint}. The vocabulary is: {', '.join(vocab)}")
        ids.append(index[tok])
    return np.array(ids, dtype=np.int64)


def ids_to_text(ids, vocab):
    """The tokens for `ids`, joined by spaces; an id outside the vocabulary raises KeyError."""
    ids = np.asarray(ids).reshape(-1)
    bad = [int(i) for i in ids if not 0 <= i < len(vocab)]
    if bad:
        raise KeyError(f"ids {bad} are outside the vocabulary of {len(vocab)} tokens")
    return " ".join(vocab[int(i)] for i in ids)


def bpe_merges(words, n_merges):
    """Learn byte-pair merges from a word list: repeatedly join the most frequent adjacent pair.

    words: iterable of str. Returns the list of merged pairs, in the order learned
    (ties broken alphabetically, so the result is deterministic).
    """
    corpus = Counter(tuple(w) for w in words)
    merges = []
    for _ in range(n_merges):
        pairs = Counter()
        for symbols, count in corpus.items():
            for pair in zip(symbols, symbols[1:]):
                pairs[pair] += count
        if not pairs:
            break
        best = min(pairs, key=lambda pair: (-pairs[pair], pair))
        merges.append(best)
        corpus = Counter({_merge(s, best): c for s, c in corpus.items()})
    return merges


def bpe_split(word, merges):
    """Split `word` into subword pieces by applying the learned merges in order."""
    symbols = tuple(word)
    for pair in merges:
        symbols = _merge(symbols, pair)
    return list(symbols)


def _merge(symbols, pair):
    out, i = [], 0
    while i < len(symbols):
        if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == pair:
            out.append(symbols[i] + symbols[i + 1])
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return tuple(out)
