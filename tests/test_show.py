"""mathlib.show: arrays and computations as LaTeX, checked against strings written by hand."""
import numpy as np
import pytest

from mathlib import show


def test_matrix_keeps_three_places_for_real_numbers():
    world = [2.84147098, 3.54030231, 4.00999983, 5.99995]     # "World" + PE(1)
    assert show.matrix(world) == r"\begin{bmatrix} 2.841 & 3.540 & 4.010 & 6.000 \end{bmatrix}"


def test_matrix_prints_integers_and_tenths_without_padding():
    assert show.matrix([[1, 0], [-1, 2]]) == r"\begin{bmatrix} 1 & 0 \\ -1 & 2 \end{bmatrix}"
    assert show.matrix([0.5, -0.1, 2]) == r"\begin{bmatrix} 0.5 & -0.1 & 2.0 \end{bmatrix}"


def test_matrix_with_name_and_no_negative_zero():
    assert show.matrix([[-0.0001, 1.25]], decimals=2, name="A") == r"A = \begin{bmatrix} 0.00 & 1.25 \end{bmatrix}"


def test_matrix_shows_infinity_for_masked_scores():
    assert show.matrix([[0.5, -np.inf]]) == r"\begin{bmatrix} 0.5 & -\infty \end{bmatrix}"


def test_matrix_rejects_3d():
    with pytest.raises(ValueError, match="1-D or 2-D"):
        show.matrix(np.zeros((2, 2, 2)))


def test_dot_product_term_by_term():
    assert show.dot_product([1, 2, 3, 4], [0, 1, 0, 1]) == r"1\cdot0 + 2\cdot1 + 3\cdot0 + 4\cdot1 = 6"


def test_dot_product_signs_and_places():
    # 1.5·(−0.4) − 2·1 = −0.6 − 2 = −2.6
    assert show.dot_product([1.5, -2], [-0.4, 1]) == r"1.5\cdot(-0.4) - 2.0\cdot1.0 = -2.6"


def test_dot_product_length_mismatch():
    with pytest.raises(ValueError, match=r"a \(3,\) and b \(2,\)"):
        show.dot_product([1, 2, 3], [1, 2])


def test_shape_note_of_a_product():
    A, B = np.ones((2, 4)), np.ones((4, 3))
    assert show.shape_note(A, B) == r"(2\times4)\cdot(4\times3) \rightarrow (2\times3)"


def test_product_shows_factors_result_and_shapes():
    out = show.product([[1, 2]], [[3], [4]], names=("x", "w", "y"))
    assert out == (r"x w = \begin{bmatrix} 1 & 2 \end{bmatrix}\begin{bmatrix} 3 \\ 4 \end{bmatrix} = "
                   r"\begin{bmatrix} 11 \end{bmatrix} = y \quad (1\times2)\cdot(2\times1) \rightarrow (1\times1)")
    with pytest.raises(ValueError, match="columns to match"):
        show.product(np.ones((2, 3)), np.ones((2, 3)))


def test_source_is_the_functions_code():
    from mathlib.attention import causal_mask
    src = show.source(causal_mask)
    assert src.startswith("```python\ndef causal_mask(n):") and src.endswith("\n```")


def test_table_markdown_and_row_check():
    assert show.table(["a", "b"], [[1, 2]]) == "| a | b |\n|---|---|\n| 1 | 2 |"
    with pytest.raises(ValueError, match="2 cells"):
        show.table(["a", "b"], [[1]])


def test_places():
    assert show.places([1, 2]) == 0
    assert show.places([0.5, 0.1]) == 1
    assert show.places([0.25]) == 2
    assert show.places([np.pi]) == 3
