"""Does a glyph read as the intended font? A font classifier (the OCR net, one class per
target font) trained on the real target glyphs of the training characters of a run's glyph
dataset, cached per dataset; its hit rate on a translator's outputs (zi2zi: the font asked
for) and the fonts a latent translator's random codes reach (BicycleGAN, measured on the
draws of gankit.evaluate.translation.diversity)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from gankit.config import DataConfig
from gankit.data.batch import Batch

VERSION = 1  # bump when the judge's training changes: cached judges are trained again
PER_FONT = 1000  # training glyphs per font (the first in character order)
EPOCHS = 6
REACHED_SHARE = 0.05  # a font counts as reached when it gets this share of the outputs


@dataclass
class FontJudge:
    net: torch.nn.Module
    fonts: list[str]
    real_hit: float  # the judge's accuracy on the real glyphs of the test characters: a ceiling

    def fonts_of(self, glyphs: torch.Tensor) -> torch.Tensor:
        """The font index the judge names for each glyph (uint8, or float in [-1, 1])."""
        from gankit.evaluate.ocr import predict, to_input

        return predict(self.net, to_input(glyphs if glyphs.dtype == torch.uint8 else glyphs.float()))

    @torch.no_grad()
    def features(self, glyphs: torch.Tensor) -> torch.Tensor:
        """The judge's penultimate features of each glyph, unit length (a learned glyph distance)."""
        from gankit.evaluate.ocr import to_input

        x = to_input(glyphs if glyphs.dtype == torch.uint8 else glyphs.float())
        f = torch.cat([self.net.body[:-1](x[i:i + 512]) for i in range(0, len(x), 512)])
        return torch.nn.functional.normalize(f, dim=1)


def _glyph_arrays(data: DataConfig) -> tuple[dict[str, np.ndarray], list[int], list[str], Path]:
    from gankit.data.glyph_source import glyph_root, target_indices
    from gankit.data.glyphs import load_glyphs

    root = Path(glyph_root(data))
    arrays, meta = load_glyphs(root)
    targets = target_indices(data, meta)
    return arrays, targets, [meta["fonts"][t]["name"] for t in targets], root


def _real(arrays: dict[str, np.ndarray], targets: list[int], split: str, limit: int | None
          ) -> tuple[torch.Tensor, torch.Tensor]:
    """Real glyphs (N, S, S) uint8 of each target font in `split`, and their font labels."""
    from gankit.data.fonts import SPLITS

    xs, ys = [], []
    for label, t in enumerate(targets):
        rows = np.flatnonzero((arrays["split"] == SPLITS.index(split)) & arrays["available"][t])[:limit]
        xs.append(arrays["images"][t][rows])
        ys.append(np.full(len(rows), label))
    return torch.from_numpy(np.concatenate(xs)), torch.from_numpy(np.concatenate(ys)).long()


def font_judge(data: DataConfig, seed: int = 0) -> FontJudge | None:
    """The judge of this glyph dataset's target fonts (trained on first use, then cached);
    None when there is only one font to tell apart."""
    from safetensors.torch import load_file, save

    from gankit.data.fetch import cache_dir
    from gankit.data.glyphs import NPZ
    from gankit.evaluate.ocr import GlyphClassifier, fit_classifier, predict, to_input
    from gankit.io import atomic_write, write_text
    from gankit.logs import get_logger

    arrays, targets, fonts, root = _glyph_arrays(data)
    if len(fonts) < 2:
        return None
    stamp = (root / NPZ).stat()
    key = hashlib.sha256(json.dumps([VERSION, str(root.resolve()), stamp.st_size, stamp.st_mtime_ns, fonts,
                                     PER_FONT, EPOCHS, seed]).encode()).hexdigest()[:16]
    cache = cache_dir() / "font-judge"
    weights, info = cache / f"{key}.safetensors", cache / f"{key}.json"
    if weights.is_file() and info.is_file():
        net = GlyphClassifier(len(fonts))
        net.load_state_dict(load_file(weights))
        return FontJudge(net.eval(), fonts, json.loads(info.read_text())["real_hit"])
    get_logger("eval").info(f"training the font judge of {', '.join(fonts)} (once per dataset)")
    x, y = _real(arrays, targets, "train", PER_FONT)
    net = fit_classifier(to_input(x), y, len(fonts), seed, epochs=EPOCHS)
    test_x, test_y = _real(arrays, targets, "test", None)
    real_hit = float((predict(net, to_input(test_x)) == test_y).float().mean())
    cache.mkdir(parents=True, exist_ok=True)
    with atomic_write(weights) as handle:
        handle.write(save({k: v.contiguous() for k, v in net.state_dict().items()}))
    write_text(info, json.dumps({"fonts": fonts, "real_hit": real_hit}) + "\n")
    return FontJudge(net, fonts, real_hit)


def font_hit(judge: FontJudge):
    """extras: the share of outputs the judge names as the font asked for (overall and per
    font), beside the judge's own accuracy on real glyphs of the test characters."""

    def measure(inputs: Batch, outputs: torch.Tensor, targets: torch.Tensor | None) -> dict:
        if "style" not in inputs:
            return {}
        named, wanted = judge.fonts_of(outputs), inputs["style"].long()
        per_font = {name: float((named[wanted == k] == k).float().mean())
                    for k, name in enumerate(judge.fonts) if (wanted == k).any()}
        return {"font_hit": float((named == wanted).float().mean()), "font_hit_real": judge.real_hit,
                "font_hit_per_font": per_font}

    return measure


def fonts_reached(judge: FontJudge, draws: list[torch.Tensor]) -> dict:
    """What a latent translator's outputs for several random codes (`draws`: one tensor per
    code, the same inputs in each) say about fonts: each font's share of them, how many fonts
    get at least REACHED_SHARE, and their diversity in the judge's features (the mean cosine
    distance between two codes' outputs of one input)."""
    named = torch.cat([judge.fonts_of(d) for d in draws])
    shares = {name: float((named == k).float().mean()) for k, name in enumerate(judge.fonts)}
    feats = torch.stack([judge.features(d) for d in draws])  # (codes, inputs, dim)
    cosine = torch.einsum("aid,bid->abi", feats, feats)
    pairs = len(draws) * (len(draws) - 1)
    spread = float((1 - cosine).sum(dim=(0, 1)).mean()) / pairs if pairs else 0.0
    return {"fonts_reached": sum(s >= REACHED_SHARE for s in shares.values()), "font_shares": shares,
            "font_judge_real": judge.real_hit, "diversity_font_features": spread}
