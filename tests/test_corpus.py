"""mathlib.corpus: the shipped pairs, and batches with teacher forcing and padding."""
import numpy as np
import pytest

from mathlib import corpus
from mathlib.example import VOCAB

# the corpus translates word for word; this is the whole dictionary
DICTIONARY = {"hello": "hola", "world": "mundo", "goodbye": "adios", "!": "!"}


def test_the_shipped_corpus():
    train, held_out = corpus.load()
    assert len(train) == 20 and len(held_out) == 4
    assert ("hello world", "hola mundo") in train and ("goodbye world", "adios mundo") in train
    assert ("world hello !", "mundo hola !") in train
    assert len(set(train)) == len(train) and not set(train) & set(held_out)   # no pair twice, none in both


def test_every_pair_is_a_word_for_word_translation_in_the_vocabulary():
    train, held_out = corpus.load()
    for en, es in train + held_out:
        assert es.split() == [DICTIONARY[w] for w in en.split()], (en, es)
        assert all(w in VOCAB for w in en.split() + es.split())


def test_held_out_pairs_use_only_seen_words_in_unseen_combinations():
    train, held_out = corpus.load()
    seen_words = {w for en, _ in train for w in en.split()}
    seen_sources = {en for en, _ in train}
    for en, _ in held_out:
        assert set(en.split()) <= seen_words and en not in seen_sources


def test_to_batch_by_hand():
    # ids: <pad> 0, <sos> 1, <eos> 2, hello 3, world 4, goodbye 5, hola 6, mundo 7, adios 8, ! 9
    b = corpus.to_batch([("hello world", "hola mundo"), ("goodbye", "adios")], VOCAB)
    assert b.src.tolist() == [[3, 4], [5, 0]]
    assert b.tgt_in.tolist() == [[1, 6, 7], [1, 8, 0]]        # <sos> y1 … yn: shifted right
    assert b.tgt_out.tolist() == [[6, 7, 2], [8, 2, 0]]       # y1 … yn <eos>: shifted left
    assert b.src.dtype == b.tgt_in.dtype == b.tgt_out.dtype == np.int64


def test_teacher_forcing_aligns_each_input_with_the_next_target():
    train, _ = corpus.load()
    b = corpus.to_batch(train, VOCAB)
    real = b.tgt_out != 0
    word = real & (b.tgt_out != 2)                            # y1 … yn, without <eos>
    assert np.array_equal(b.tgt_in[:, 1:][word[:, :-1]], b.tgt_out[:, :-1][word[:, :-1]])
    assert np.all(b.tgt_in[:, 0] == 1) and np.all((b.tgt_out == 2).sum(axis=1) == 1)
    assert np.array_equal(b.tgt_in != 0, real)                # the same positions are real


def test_bad_input(tmp_path):
    with pytest.raises(KeyError, match="'hallo'"):
        corpus.to_batch([("hallo world", "hola mundo")], VOCAB)
    with pytest.raises(ValueError, match="pairs is empty"):
        corpus.to_batch([], VOCAB)
    with pytest.raises(ValueError, match="no <sos>"):
        corpus.to_batch([("hello", "hola")], ("<pad>", "<eos>", "hello", "hola"))
    bad = tmp_path / "bad.tsv"
    bad.write_text("english\tspanish\tsplit\nhello\thola\ttest\n", encoding="utf-8")
    with pytest.raises(ValueError, match="row 2"):
        corpus.load(bad)
    bad.write_text("en\tes\nhello\thola\n", encoding="utf-8")
    with pytest.raises(ValueError, match="header"):
        corpus.load(bad)


def test_load_reads_another_file(tmp_path):
    path = tmp_path / "mine.tsv"
    path.write_text("# a comment\nenglish\tspanish\tsplit\nhello\thola\ttrain\nworld\tmundo\theld-out\n",
                    encoding="utf-8")
    assert corpus.load(path) == ([("hello", "hola")], [("world", "mundo")])
