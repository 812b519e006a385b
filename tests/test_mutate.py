"""tools/mutate.py's list follows the code: every mutation's snippet is in its file exactly once.

A refactor that renames a variable a snippet quotes makes that mutation stale; the mutation
run then stops before testing anything. This fast test says so the moment it happens."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import mutate  # noqa: E402


def test_every_mutation_snippet_is_in_its_file_exactly_once():
    stale = [f"{name} ({path})" for name, path, old, _ in mutate.MUTATIONS
             if (ROOT / "mathlib" / path).read_text(encoding="utf-8").count(old) != 1]
    assert not stale, "stale mutations in tools/mutate.py: " + "; ".join(stale)


def test_every_mutation_changes_its_snippet_and_has_its_own_name():
    names = [name for name, *_ in mutate.MUTATIONS]
    assert len(names) == len(set(names))
    assert all(old != new for _, _, old, new in mutate.MUTATIONS)
