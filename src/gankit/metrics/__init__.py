"""Metrics of generated samples: FID, KID, IS, precision/recall, density/coverage on
feature arrays; feature extractors for images; the 2-D toy mode metric."""

from gankit.metrics.extractors import EXTRACTORS, Extractor, Features, extractor
from gankit.metrics.fid import SmallSampleWarning, feature_statistics, fid, frechet_distance
from gankit.metrics.inception_score import inception_score
from gankit.metrics.kid import kid
from gankit.metrics.neighbours import density_coverage, precision_recall
from gankit.metrics.toy import ToyModeReport, toy_mode_report

__all__ = [
    "EXTRACTORS", "Extractor", "Features", "SmallSampleWarning", "ToyModeReport",
    "density_coverage", "extractor", "feature_statistics", "fid", "frechet_distance",
    "inception_score", "kid", "precision_recall", "toy_mode_report",
]
