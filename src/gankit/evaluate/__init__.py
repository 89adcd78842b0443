"""Evaluating trained models: toy mode coverage, image metrics against a reference split,
semi-supervised accuracy; every result appended to RUN/eval.jsonl with its protocol."""

from gankit.evaluate.images import (
    IMAGE_EVAL_SAMPLES,
    NATIVE_SIZE,
    ImageEvalOptions,
    default_features,
    evaluate_generator,
    evaluate_real_vs_real,
    make_extractor,
    reference_images,
    save_reference_statistics,
)
from gankit.evaluate.record import describe, record
from gankit.evaluate.run import evaluate_run
from gankit.evaluate.ssl import classifier_accuracy, ssl_accuracies
from gankit.evaluate.toy import TOY_EVAL_SAMPLES, evaluate_toy, evaluate_toy_with_rejection

__all__ = ["IMAGE_EVAL_SAMPLES", "NATIVE_SIZE", "TOY_EVAL_SAMPLES", "ImageEvalOptions",
           "classifier_accuracy", "default_features", "describe", "evaluate_generator",
           "evaluate_real_vs_real", "evaluate_run", "evaluate_toy", "evaluate_toy_with_rejection",
           "make_extractor", "record", "reference_images", "save_reference_statistics",
           "ssl_accuracies"]
