"""Exercises that check themselves: `check.<name>(answer)` runs the reader's answer.

The reader writes a function (its body starts as `...`); the check runs it on several
inputs against mathlib and prints either "correct" or what is wrong: which input, the
expected and the received value, and a hint for the typical mistake (each hint is a
known wrong answer, most from the pitfalls appendix, recognised by its output). It
never prints the answer's code. An unfinished answer (`...`, or a function whose body
is still `...`) prints a friendly "not done yet", so the chapter runs top to bottom.

    check.one_hot(f)              chapter 1      check.encoder_layer(f)    chapter 7
    check.positional_encoding(f)  chapter 2      check.causal_mask(f)      chapter 8
    check.softmax(f)              chapter 3      check.sample_probabilities(f)  ch. 9
    check.merge_heads(f)          chapter 4      check.cross_entropy(f)    chapter 10
    check.feed_forward(f)         chapter 5      check.warmup_lr(f)        chapter 11
    check.layer_norm(f)           chapter 6      check.translate_phrase(f)  ch. 12

Each check returns nothing; it prints. tests/test_check.py runs each on the book's
solution and on typical wrong answers. The checks live by the book's parts, in
`encoder` (Part I), `decoder` (Part II), `learning` (Part III) and `beyond` (Part IV);
`verdict` runs an answer and prints what it finds. A chapter calls them all as
`from mathlib import check; check.softmax(answer)`.
"""
from .beyond import translate_phrase
from .decoder import causal_mask, sample_probabilities
from .encoder import (encoder_layer, feed_forward, layer_norm, merge_heads, one_hot,
                      positional_encoding, softmax)
from .learning import cross_entropy, warmup_lr

__all__ = ["one_hot", "positional_encoding", "softmax", "merge_heads", "feed_forward",
           "layer_norm", "encoder_layer", "causal_mask", "sample_probabilities",
           "cross_entropy", "warmup_lr", "translate_phrase"]
