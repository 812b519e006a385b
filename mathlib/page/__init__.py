"""The page: how the book shows what mathlib computes.

`show` (arrays and computations as LaTeX) with `layout` (fitting them to the column),
`plot` (heatmaps, curves, bars), `diagram` (the architecture drawing), `flow` (how data
move) and `_figure` (the colours and arrows they share). None of it is the model; the
chapters import them as `from mathlib import show, plot, diagram, flow`.
"""
