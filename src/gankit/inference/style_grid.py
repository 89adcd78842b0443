"""Style interpolation of a many-style glyph translator (zi2zi): characters written while the
style embedding moves in a straight line from one learned font to another."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from gankit.errors import GankitError


def style_index(spec: str, names: list[str]) -> int:
    """A style given by name or by id."""
    if spec in names:
        return names.index(spec)
    if spec.isdigit() and int(spec) < len(names):
        return int(spec)
    raise GankitError(f"--styles: no style '{spec}' in this model (it writes {', '.join(names)})")


def mix_weights(a: int, b: int, steps: int, num_styles: int) -> torch.Tensor:
    """(steps, num_styles) mixing weights from all-`a` to all-`b` in equal steps."""
    t = torch.linspace(0.0, 1.0, steps)
    weights = torch.zeros(steps, num_styles)
    weights[:, a] += 1.0 - t
    weights[:, b] += t
    return weights


def style_interpolation(path: str | Path, chars: str, a: str, b: str, steps: int = 8,
                        model: str | None = None) -> tuple[torch.Tensor, str, list[str]]:
    """(images (len(kept) * (steps + 1), C, S, S) in [-1, 1]: per character its input glyph,
    then `steps` outputs from style `a` to style `b`; the characters kept; the two styles'
    names)."""
    from gankit.inference import load
    from gankit.inference.folder import ModelFolder
    from gankit.inference.glyph_writer import render_inputs

    if steps < 2:
        raise GankitError(f"--steps must be at least 2, got {steps}")
    name, entry = ModelFolder.open(path).model(model)
    count = entry.get("num_styles")
    if not count:
        raise GankitError(f"{path}: model '{name}' writes a single style; a style interpolation "
                          "needs a many-style translator such as zi2zi")
    names = entry.get("styles") or [str(i) for i in range(count)]
    ia, ib = style_index(a, names), style_index(b, names)
    translator = load(path, model=name)
    x, kept, _ = render_inputs(entry, chars)
    weights = mix_weights(ia, ib, steps, count).repeat(len(x), 1)
    y = translator.translate(x.repeat_interleave(steps, dim=0), style=weights)
    rows = torch.cat([x[:, None], y.view(len(x), steps, *y.shape[1:])], dim=1)
    return rows.flatten(0, 1), kept, [names[ia], names[ib]]


def write_style_interpolation(path: str | Path, chars: str, a: str, b: str, out: str | Path,
                              steps: int = 8, model: str | None = None) -> tuple[str, list[str]]:
    """Write the grid as a PNG (a row per character: input, then style a → style b)."""
    from gankit.images import save_grid, to_uint8

    images, kept, names = style_interpolation(path, chars, a, b, steps, model)
    pictures = to_uint8(images)
    save_grid(np.ascontiguousarray(pictures), out, nrow=steps + 1,
              scale=2 if pictures.shape[1] <= 32 else 1)
    return kept, names
