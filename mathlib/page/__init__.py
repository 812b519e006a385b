"""The page: how the book shows what mathlib computes.

`show` (arrays and computations as LaTeX) with `layout` (fitting them to the column),
`plot` (heatmaps; `charts`: curves, bars), `diagram` (the architecture drawing; `blocks`:
one block with its tensors shaped; `neurons`: a network of neurons), `flow` (how data
move; `graph`: backpropagation's computation graph), `explore` (the explorers; their CSS
and scripts in explorers/) and `_figure` (the colours and arrows they share). None of it
is the model; the chapters import them as `from mathlib import show, plot, diagram, flow`,
and reach charts, blocks, neurons and graph through plot, diagram and flow.
"""
