"""Every decimal number written in a chapter's prose is traceable to what the chapter computed.

A markdown cell that says "hello puts 0.796 of its weight on world" must be backed by an
output of the same notebook that shows 0.796 (or a more precise number that rounds to it).
When the example's weights change and the chapter is re-executed, a sentence that still
quotes an old number fails here. Numbers that are not results (section numbers like §3.4,
named constants such as the float64 overflow point) are allowed below, each with its reason.
"""
import json
import re
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))

# A decimal number: digits, a point, digits (not part of a longer token such as v1.2.3).
DECIMAL = re.compile(r"(?<![\w.§])(-?\d+\.\d+)(?![\w.]*\d)")
# Section or equation references: §3.4, "section 3.2.1", "Equation 3.1", "Figure 2.1", "eq. 3.1".
REFERENCE = re.compile(r"(§\s*|[Ss]ection\s+|[Ee]quation\s+|[Ff]igure\s+|[Tt]able\s+|[Ee]q\.\s*|"
                       r"[Cc]hapter\s+|[Vv]ersion\s+|Quarto\s+|numpy\s+|Python\s+)\d+(\.\d+)+")
INLINE_CODE = re.compile(r"`[^`\n]*`")
URL = re.compile(r"https?://\S+")

# Constants a chapter may name without computing them on the page, and why.
ALLOWED = {
    "709.78": "the float64 overflow point of exp, log(1.8e308), a property of IEEE doubles",
    "88.7": "the float32 overflow point of exp, log(3.4e38), a property of IEEE singles",
    "1.8": "1.8 × 10^308, the largest float64",
    "3.4": "3.4 × 10^38, the largest float32",
    "0.1": "the paper's dropout rate P_drop and label smoothing ε_ls (§5.4), a hyperparameter",
    "0.9": "Adam's β₁ in the paper (§5.3), a hyperparameter",
    "0.98": "Adam's β₂ in the paper (§5.3), a hyperparameter",
    "0.5": "a half: d_model^−0.5, step^−0.5 in the paper's schedule (§5.3)",
    "1.5": "the exponent of warmup^−1.5 in the paper's schedule (§5.3)",
    "44.1": "44.1 M parameters of the base model's stacks, computed in chapter 7's table",
    "18.9": "18.9 M parameters of the base model's embedding and output layer, chapter 7",
    "63.1": "63.1 M, the sum of the two figures above, set against the paper's 65 M",
    "65.0": "the paper's own 65 M parameter figure (Table 3)",
}


def markdown_text(cell):
    text = "".join(cell["source"])
    text = INLINE_CODE.sub(" ", text)
    text = URL.sub(" ", text)
    return REFERENCE.sub(" ", text)


def output_text(nb):
    """Everything the notebook shows as text: streams, text/plain, text/latex, text/markdown."""
    parts = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                parts.append("".join(out["text"]))
            for mime in ("text/plain", "text/latex", "text/markdown"):
                if mime in out.get("data", {}):
                    parts.append("".join(out["data"][mime]))
    return "\n".join(parts)


NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def shown_numbers(text):
    return {Decimal(m) for m in NUMBER.findall(text)}


def traceable(prose, shown):
    """True if the prose number equals a shown number rounded to the prose's own decimals."""
    p = Decimal(prose)
    quantum = Decimal(1).scaleb(p.as_tuple().exponent)
    for x in shown:
        for mode in (ROUND_HALF_EVEN, ROUND_HALF_UP):
            if x.quantize(quantum, rounding=mode) == p or (-x).quantize(quantum, rounding=mode) == p:
                return True
    return False


def untraceable(nb):
    shown = shown_numbers(output_text(nb))
    missing = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        for m in DECIMAL.finditer(markdown_text(cell)):
            value = m.group(1).lstrip("-")
            if value in ALLOWED or traceable(value, shown):
                continue
            missing.append((i, cell.get("id"), value))
    return missing


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_decimal_in_prose_is_shown_by_an_output(path):
    nb = json.loads(path.read_text())
    missing = untraceable(nb)
    assert not missing, (
        f"{path.name}: decimal numbers in prose that no output of the notebook shows "
        f"(cell index, cell id, number): {missing}. Compute and show the number in a code cell, "
        f"or, if it is a named constant and not a result, add it to ALLOWED with its reason.")


def test_a_stale_number_is_caught():
    nb = {"cells": [
        {"cell_type": "markdown", "source": ["Hello puts 0.796 of its weight on world (§3.2.1)."]},
        {"cell_type": "code", "source": [], "outputs": [
            {"output_type": "stream", "name": "stdout", "text": ["weights [0.2039 0.7961]\n"]}]},
    ]}
    assert untraceable(nb) == []
    nb["cells"][1]["outputs"][0]["text"] = ["weights [0.5 0.5]\n"]
    assert untraceable(nb) == [(0, None, "0.796")]


def test_section_numbers_code_and_constants_are_not_numbers_of_the_text():
    nb = {"cells": [{"cell_type": "markdown", "source": [
        "See §3.4 and section 5.4, Equation 3.1, `eps=1e-5` and `0.123`; exp overflows above 709.78."]}]}
    assert untraceable(nb) == []
