"""One zi2zi model for many fonts against one pix2pix model per font, at equal total steps.

    .venv/bin/python scripts/zi2zi_vs_pix2pix.py runs/fonts --out runs/per-font

For each target font of the zi2zi run, trains (or resumes, or reuses) a pix2pix run with the
zi2zi run's data, nets, losses, optimizer and batch, on that font alone, for the zi2zi run's
steps divided by the number of fonts (so both sides take the same number of updates in
all), then scores every run on the test characters (L1, PSNR, SSIM; zi2zi per font, and its
font judge's hit rate when its eval recorded one) and writes OUT/table.md.
"""

from __future__ import annotations

import argparse
import copy
import json
from pathlib import Path

from gankit.io import read_json_lines, write_text

PAIR_METRICS = "l1,psnr,ssim"


def pix2pix_values(zi2zi: dict, font: str, steps: int) -> dict:
    """The config of a pix2pix run on one font, everything else as in the zi2zi run."""
    values = copy.deepcopy(zi2zi)
    options = values.pop("zi2zi")
    values["recipe"] = "pix2pix"
    values["description"] = f"pix2pix on {font} alone, as the zi2zi run it is compared with"
    values["pix2pix"] = {"loss": options["loss"], "l1": options["l1"], "test_mode": options["test_mode"]}
    values["data"]["glyphs"]["targets"] = [font]
    values["train"]["steps"] = steps
    return values


def latest_pairs(run: Path, steps: int) -> dict:
    """The evaluation of `run` at its last step (`steps`) holding pair metrics (made with
    `gankit eval` if none); a run not trained that far is refused, never scored mid-way."""
    from gankit.cli import main
    from gankit.runs import completed_steps

    if completed_steps(run) != steps:
        raise SystemExit(f"{run} is at step {completed_steps(run)}, not trained to its last step "
                         f"({steps}): finish it first")
    path = run / "eval.jsonl"
    records = [r for r in read_json_lines(path) if "ssim" in r and r.get("step") == steps] \
        if path.is_file() else []
    if not records:
        if main(["eval", str(run), "--metrics", PAIR_METRICS]) != 0:
            raise SystemExit(f"gankit eval {run} failed")
        records = [r for r in read_json_lines(path) if "ssim" in r and r.get("step") == steps]
    return records[-1]


def main(argv: list[str] | None = None) -> list[dict]:
    from gankit.config import config_from_dict
    from gankit.config.toml import read_toml
    from gankit.train import train

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("zi2zi", type=Path, help="a trained zi2zi run")
    parser.add_argument("--out", type=Path, required=True, help="folder of the per-font pix2pix runs")
    args = parser.parse_args(argv)
    values = read_toml(args.zi2zi / "config.toml")
    if values.get("recipe") != "zi2zi":
        raise SystemExit(f"{args.zi2zi} is a {values.get('recipe')} run, not a zi2zi one")
    fonts = list(values["data"]["glyphs"]["targets"])
    steps = max(1, round(values["train"]["steps"] / len(fonts)))
    pix2pix = {}
    for font in fonts:  # the pix2pix runs first: they need only the zi2zi run's config
        run = args.out / font
        cfg = config_from_dict(pix2pix_values(values, font, steps))
        train(cfg, run, resume=(run / "config.toml").is_file(), progress=False)
        pix2pix[font] = latest_pairs(run, steps)
    zi2zi = latest_pairs(args.zi2zi, values["train"]["steps"])
    rows = []
    for font, pix in pix2pix.items():
        mine = zi2zi["per_style"][font]
        rows.append({"font": font, "n": mine["n"], "zi2zi_l1": mine["l1"], "pix2pix_l1": pix["l1"],
                     "zi2zi_ssim": mine["ssim"], "pix2pix_ssim": pix["ssim"],
                     "zi2zi_font_hit": (zi2zi.get("font_hit_per_font") or {}).get(font)})
    lines = [f"zi2zi: {args.zi2zi} ({values['train']['steps']} steps, every font); pix2pix: one run per "
             f"font, {steps} steps each, same nets, losses, optimizer and batch", "",
             "| font | test chars | L1 zi2zi | L1 pix2pix | SSIM zi2zi | SSIM pix2pix | font hit zi2zi |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        hit = "" if r["zi2zi_font_hit"] is None else f"{r['zi2zi_font_hit']:.3f}"
        lines.append(f"| {r['font']} | {r['n']} | {r['zi2zi_l1']:.4f} | {r['pix2pix_l1']:.4f} | "
                     f"{r['zi2zi_ssim']:.4f} | {r['pix2pix_ssim']:.4f} | {hit} |")
    mean = {k: sum(r[k] for r in rows) / len(rows) for k in ("zi2zi_l1", "pix2pix_l1", "zi2zi_ssim",
                                                            "pix2pix_ssim")}
    lines.append(f"| mean of fonts | | {mean['zi2zi_l1']:.4f} | {mean['pix2pix_l1']:.4f} | "
                 f"{mean['zi2zi_ssim']:.4f} | {mean['pix2pix_ssim']:.4f} | |")
    text = "\n".join(lines) + "\n"
    write_text(args.out / "table.md", text)
    write_text(args.out / "table.json", json.dumps(rows, indent=1) + "\n")
    print(text, end="")
    return rows


if __name__ == "__main__":
    main()
