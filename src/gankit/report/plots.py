"""The report's curves: losses, logged evaluations and learning rates against the step, as
PNG bytes (matplotlib, no display)."""

from __future__ import annotations

import io
from typing import Any


def _figure_png(fig) -> bytes:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return buffer.getvalue()


def curves_png(metrics: list[dict[str, Any]], evals: list[dict[str, Any]]) -> bytes | None:
    """Losses (left), evaluated numbers (middle) and learning rates (right) over the steps."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not metrics and not evals:
        return None
    losses = sorted({k for row in metrics for k in row if k.startswith("loss")})
    lrs = sorted({k for row in metrics for k in row if k.startswith("lr_")})
    evaluated = sorted({k for row in evals for k, v in row.items()
                        if k in ("fid", "kid_mean", "l1", "ssim", "psnr", "high_quality", "modes",
                                 "class_accuracy", "cycle_l1", "target_class_rate")
                        and isinstance(v, (int, float))})
    panels = [p for p in (("losses", losses, metrics), ("evaluations", evaluated, evals),
                          ("learning rates", lrs, metrics)) if p[1]]
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.2), squeeze=False)
    for ax, (title, keys, rows) in zip(axes[0], panels, strict=True):
        for key in keys:
            points = [(r["step"], r[key]) for r in rows if isinstance(r.get(key), (int, float))]
            if points:
                steps, values = zip(*points, strict=True)
                ax.plot(steps, values, label=key, marker="o" if len(points) < 20 else None, markersize=3)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("step", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=7)
    return _figure_png(fig)
