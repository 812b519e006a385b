"""mathlib.tokens: text → tokens → ids and back, unknown words, and the byte-pair-merge demo."""
import numpy as np
import pytest

from mathlib import tokens
from mathlib.example import VOCAB


def test_tokenize_lowercases_and_splits_punctuation():
    assert tokens.tokenize("Hello World!") == ["hello", "world", "!"]
    assert tokens.tokenize("  Hola,   Mundo ") == ["hola", ",", "mundo"]
    assert tokens.tokenize("") == []


def test_text_to_ids_and_back_on_the_running_example():
    ids = tokens.text_to_ids("Hello World", VOCAB)
    assert ids.tolist() == [3, 4] and ids.dtype == np.int64          # positions in VOCAB
    assert tokens.text_to_ids(["<sos>", "hola", "mundo", "<eos>"], VOCAB).tolist() == [1, 6, 7, 2]
    assert tokens.ids_to_text([6, 7, 9], VOCAB) == "hola mundo !"
    assert tokens.ids_to_text(np.array([[3, 4]]), VOCAB) == "hello world"


def test_unknown_token_names_itself_the_nearest_words_and_the_vocabulary():
    with pytest.raises(KeyError) as info:
        tokens.text_to_ids("Helo World", VOCAB)
    message = str(info.value)
    assert "'helo'" in message
    assert "nearest: hello" in message
    assert "<pad>, <sos>, <eos>, hello, world, goodbye, hola, mundo, adios, !" in message


def test_unknown_token_without_a_near_word_still_lists_the_vocabulary():
    with pytest.raises(KeyError) as info:
        tokens.text_to_ids("xyz", VOCAB)
    assert "nearest" not in str(info.value) and "goodbye" in str(info.value)


def test_ids_to_text_rejects_ids_outside_the_vocabulary():
    with pytest.raises(KeyError, match=r"\[10\]"):
        tokens.ids_to_text([3, 10], VOCAB)


def test_tokenize_needs_a_string():
    with pytest.raises(TypeError):
        tokens.tokenize(b"hello")


def test_bpe_merges_by_hand():
    # words low, low, lower: pair counts (l,o) 3, (o,w) 3, (w,e) 1, (e,r) 1.
    # (l,o) and (o,w) tie at 3; the alphabetical tie-break picks (l,o).
    # Then (lo,w) occurs 3 times and wins.
    merges = tokens.bpe_merges(["low", "low", "lower"], 2)
    assert merges == [("l", "o"), ("lo", "w")]
    # an unseen word is split into known pieces
    assert tokens.bpe_split("lowest", merges) == ["low", "e", "s", "t"]
    assert tokens.bpe_split("slow", merges) == ["s", "low"]


def test_bpe_stops_when_nothing_is_left_to_merge():
    assert tokens.bpe_merges(["ab"], 5) == [("a", "b")]
