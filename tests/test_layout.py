"""The shape of the code base: small files, small recipes, and a Trainer that knows no
recipe, data kind or metric by name (so a new model family never edits the loop)."""

from __future__ import annotations

import re
from pathlib import Path

from gankit.data.batch import KINDS
from gankit.evaluate.hooks import LOGGED
from gankit.recipes import RECIPES

SRC = Path(__file__).parents[1] / "src" / "gankit"
METRICS = ("fid", "kid", "inception", "precision", "recall", "density", "coverage", "toy_modes",
           "accuracy", *LOGGED)


def _code_of(path: Path) -> str:
    """The file without comments and docstrings' prose lines (names in prose are fine)."""
    text = re.sub(r'"""[\s\S]*?"""', "", path.read_text())
    return "\n".join(line.split("#")[0] for line in text.splitlines())


def test_no_source_file_over_400_lines():
    long = {str(p.relative_to(SRC)): n for p in SRC.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 400}
    assert not long, long


def test_no_recipe_over_150_lines():
    long = {p.name: n for p in (SRC / "recipes").glob("*.py")
            if (n := len(p.read_text().splitlines())) > 150}
    assert not long, long


def test_the_training_loop_names_no_recipe_data_kind_or_metric():
    names = [*RECIPES, *KINDS, *METRICS]
    for path in (SRC / "train").rglob("*.py"):
        code = _code_of(path)
        found = [n for n in names if re.search(rf"[\"']{re.escape(n)}[\"']", code)]
        assert not found, (path.name, found)
