"""Semi-supervised runs: test accuracy of the classifier and of its supervised baseline."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import torch
from torch import nn


@torch.no_grad()
def classifier_accuracy(classifier: nn.Module, images: torch.Tensor, labels: torch.Tensor,
                        batch_size: int = 500) -> float:
    """Share of `images` (float NCHW in [-1, 1]) whose arg-max logit is their label."""
    correct = sum(int((classifier(images[i : i + batch_size]).argmax(1) == labels[i : i + batch_size]).sum())
                  for i in range(0, len(images), batch_size))
    return correct / len(images)


def ssl_accuracies(run_dir: str | Path) -> dict[str, Any]:
    """Test accuracy of a semi-supervised run's classifier and of its supervised baseline."""
    from gankit.data import build_source
    from gankit.runs import load_classifier, load_run_config

    cfg = load_run_config(run_dir)
    test = build_source(dataclasses.replace(cfg.data, split="test"))
    results = {name: classifier_accuracy(load_classifier(run_dir, baseline=name == "baseline"),
                                         test.fields["image"], test.fields["label"])
               for name in ("ssl", "baseline")}
    return {"accuracy": results["ssl"], "baseline_accuracy": results["baseline"],
            "test_images": len(test), "labels_per_class": cfg.data.labels_per_class}
