"""One meaning per symbol (the preface's promise): a symbol is defined once.

- In appendix B, a symbol heads at most one row.
- A symbol defined in the Notation callouts of two chapters must be the same thing: a
  later callout may restate an earlier symbol (chapter 8 reminds the reader what M is),
  but a second definition that shares no meaning with the first (P as a permutation in one
  chapter and as probabilities in another) fails. "Sharing meaning" is judged by the words
  of the two definitions: at least two content words in common.

The parsing (callouts, math spans, symbol spelling) is appendix B's test's, reused.
"""
import json
import re
from collections import defaultdict

import pytest

import test_appendices as T

STOP = set("""the and its for with from one row rows here each that this which are is of in
on to by as a an it or not every any all their they them then when where what shape""".split())

# Clashes known today, each with its owner; remove an entry when it is fixed (a test below
# fails when an entry no longer clashes, so the list can only shrink).
KNOWN_B_CLASHES = {
    "b": "a linear layer's bias, and a key's position in appendix A's mask (appendices A/B)",
}


def definitions(text):
    """(symbol, meaning) for each definition of a Notation callout: a table row's first
    cell, a list item's head, or a prose '$X$, $Y$: meaning' (up to the next ';' or '.')."""
    out = []
    for line in T.without_code(text).splitlines():
        line = line.strip()
        if not line or re.match(r"^\|?\s*:?-{3,}", line) or line.startswith(": {"):
            continue
        if line.startswith("|"):
            cells = line.strip("|").split("|")
            heads = [(cells[0], "|".join(cells[1:]))]
        else:
            line = re.sub(r"^(?:[-*+]|\d+[.)])\s+", "", line)
            heads = [(m.group(1), m.group(2)) for m in re.finditer(
                r"(\$[^$\n]+\$(?:\s*(?:,|and)\s*\$[^$\n]+\$)*)\s*:([^;]*?)(?=[;.](?:\s|$)|$)",
                line)]
        for head, meaning in heads:
            for span in T.math_spans(head):
                for s in T.symbols_of_span(span):
                    out.append((s, meaning))
    return out


def words(meaning):
    text = re.sub(r"\$[^$]*\$", " ", meaning.lower())
    return {w.rstrip("s") for w in re.findall(r"[a-z]{4,}", text)} - STOP


def same_thing(a, b):
    return len(words(a) & words(b)) >= 2


def chapter_definitions():
    found = defaultdict(list)                       # symbol → [(chapter, meaning)]
    for path in T.CHAPTERS:
        nb = json.loads(T.read(path))
        for text in T.notation_callouts(nb):
            for symbol, meaning in definitions(text):
                found[symbol].append((path.name[:2], meaning))
    return found


def clashes(found):
    out = []
    for symbol, defs in found.items():
        first_chapter, first = defs[0]
        for chapter, meaning in defs[1:]:
            if chapter != first_chapter and not same_thing(first, meaning):
                out.append(f"{symbol}: chapter {first_chapter} '{first.strip()}' vs "
                           f"chapter {chapter} '{meaning.strip()}'")
    return out


def appendix_b_heads(md=None):
    md = T.read(T.APPENDIX_B) if md is None else md
    heads = defaultdict(list)
    for line in md.splitlines():
        if line.startswith("|") and not re.match(r"^\|\s*:?-{3,}", line):
            for span in T.math_spans(line.strip("|").split("|")[0]):
                for s in T.symbols_of_span(span):
                    heads[s].append(line[:70])
    return {s: rows for s, rows in heads.items() if len(rows) > 1}


def test_no_symbol_is_defined_twice_with_two_meanings_across_chapters():
    found = chapter_definitions()
    assert {"W_E", "PE", r"\Pi", "Z", "P"} <= set(found), "the Notation callouts were not parsed"
    problems = clashes(found)
    assert not problems, "one symbol, two meanings in the chapters' Notation callouts:\n" \
        + "\n".join(problems)


def test_no_symbol_heads_two_rows_of_appendix_b():
    double = {s: rows for s, rows in appendix_b_heads().items() if s not in KNOWN_B_CLASHES}
    assert not double, f"appendix B defines a symbol twice: {double}"


def test_known_clashes_still_clash():
    assert set(KNOWN_B_CLASHES) <= set(appendix_b_heads()), "a known clash is fixed: remove it"


def test_a_clash_is_caught():
    probs = definitions("$Z$: the logits; $P$: the probabilities, softmax of $Z$ row by row.")
    perm = definitions("| $P$ | a permutation matrix, it reorders the rows | $n \\times n$ |")
    memory = definitions("$M$: the memory, the output of the last encoder layer.")
    again = definitions("- $M$: the memory, chapter 7's encoder output")
    assert [s for s, _ in probs] == ["Z", "P"] and [s for s, _ in perm] == ["P"]
    found = {"P": [("09", probs[1][1]), ("03", perm[0][1])],
             "M": [("07", memory[0][1]), ("08", again[0][1])]}
    assert clashes(found) == [f"P: chapter 09 '{probs[1][1].strip()}' vs chapter 03 "
                              f"'{perm[0][1].strip()}'"]
    md = "| $x$ | one row | a |\n|---|---|---|\n| $x$ | an input | b |\n| $y$ | other | c |"
    assert set(appendix_b_heads(md)) == {"x"}
