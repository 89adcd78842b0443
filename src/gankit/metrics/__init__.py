"""Metrics of generated samples."""

from gankit.metrics.toy import ToyModeReport, toy_mode_report

__all__ = ["ToyModeReport", "toy_mode_report"]
