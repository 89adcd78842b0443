"""Scalar logs: RUN/metrics.jsonl (one JSON object per log step) and TensorBoard events."""

from __future__ import annotations

import json
import math
from pathlib import Path

from gankit.io import read_json_lines

METRICS_FILE = "metrics.jsonl"


def read_metrics(run_dir: Path) -> list[dict]:
    return read_json_lines(Path(run_dir) / METRICS_FILE)


class MetricsLogger:
    """Appends rows to metrics.jsonl; on resume, first drops rows past the resumed step."""

    def __init__(self, run_dir: Path, start_step: int = 0, tensorboard: bool = True) -> None:
        self.path = Path(run_dir) / METRICS_FILE
        from gankit.io import write_text

        kept = [r for r in read_metrics(run_dir) if r.get("step", 0) <= start_step]
        write_text(self.path, "".join(json.dumps(r) + "\n" for r in kept))
        self.writer = None
        if tensorboard:
            from torch.utils.tensorboard import SummaryWriter

            self.writer = SummaryWriter(str(Path(run_dir) / "tensorboard"), purge_step=start_step)

    def log(self, step: int, scalars: dict[str, float]) -> None:
        from gankit.io import append_line

        row = {"step": step, **{k: (v if math.isfinite(v) else str(v)) for k, v in scalars.items()}}
        append_line(self.path, json.dumps(row))
        if self.writer is not None:
            for key, value in scalars.items():
                self.writer.add_scalar(key, value, step)

    def image(self, step: int, tag: str, path: Path) -> None:
        """A picture (a PNG written by the run) in TensorBoard."""
        if self.writer is not None:
            import numpy as np
            from PIL import Image

            with Image.open(path) as picture:
                array = np.asarray(picture.convert("RGB"))
            self.writer.add_image(tag, array, step, dataformats="HWC")

    def text(self, tag: str, text: str) -> None:
        if self.writer is not None:
            self.writer.add_text(tag, text.replace("\n", "  \n"), 0)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def plot_losses(run_dir: Path, out: Path | None = None) -> Path | None:
    """Draw every `loss_*` series of metrics.jsonl against step into RUN/losses.png."""
    rows = read_metrics(run_dir)
    keys = sorted({k for r in rows for k in r if k.startswith("loss_")})
    if not keys:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    for key in keys:
        points = [(r["step"], r[key]) for r in rows if isinstance(r.get(key), (int, float))]
        ax.plot([p[0] for p in points], [p[1] for p in points], label=key, linewidth=1)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title(f"losses: {Path(run_dir).name}")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    out = out or Path(run_dir) / "losses.png"
    from gankit.images import save_figure

    save_figure(fig, Path(out))
    plt.close(fig)
    return out
