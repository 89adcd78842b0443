"""What training runs measure on their own: image metrics every `train.eval_every` steps,
and at the end mode coverage (2-D toys) or classifier accuracy (semi-supervised runs)."""

from __future__ import annotations

from gankit.evaluate.images import ImageEvalOptions, evaluate_generator
from gankit.evaluate.record import record
from gankit.evaluate.ssl import ssl_accuracies
from gankit.evaluate.toy import evaluate_toy
from gankit.logs import get_logger
from gankit.runtime.distributed import broadcast_buffers
from gankit.train.hooks import RunHooks
from gankit.train.rng import rng_state, set_rng_state

log = get_logger("train")
LOGGED = ("fid", "kid_mean", "is_mean", "precision", "recall", "density", "coverage", "class_accuracy")


class TrainingEvaluation(RunHooks):
    def on_eval(self, trainer, logger) -> None:
        """Image metrics of the current (EMA) generator, in eval.jsonl, metrics.jsonl and
        TensorBoard. Every RNG is restored afterwards (building the extractor's network
        draws from torch's), so a run trains the same with or without evaluations."""
        t = trainer.cfg.train
        if "sampler" not in trainer.recipe.models():
            return
        gen = trainer.sampling_nets()[trainer.recipe.models()["sampler"]["net"]]
        broadcast_buffers(gen)  # under torchrun every rank samples with rank 0's statistics
        opts = ImageEvalOptions(metrics=t.eval_metrics, features=t.eval_features, n=t.eval_n,
                                progress=trainer.progress)
        saved = rng_state()
        try:
            result = evaluate_generator(gen, trainer.cfg.data, opts)  # features from every rank
        finally:
            set_rng_state(saved)
        if not trainer.is_main:
            return
        record(trainer.run_dir, trainer.step, result)
        numbers = {f"eval_{k}": float(v) for k, v in result.items() if k in LOGGED}
        logger.log(trainer.step, numbers)
        if not trainer.progress:
            log.info(f"step {trainer.step} " + " ".join(f"{k}={v:.4g}" for k, v in numbers.items()))

    def on_end(self, trainer) -> None:
        models = trainer.recipe.models()
        if trainer.source.spec.kind == "points" and "sampler" in models:
            gen = trainer.sampling_nets()[models["sampler"]["net"]]
            report, _ = evaluate_toy(gen, trainer.cfg.data.dataset)
            record(trainer.run_dir, trainer.step, {"metric": "toy_modes", **report.as_dict(),
                                                   "ema": models["sampler"]["net"] in trainer.emas})
            log.info(report.line())
        if "classifier" in models:
            result = ssl_accuracies(trainer.run_dir)
            record(trainer.run_dir, trainer.step, {"metric": "ssl_accuracy", **result})
            log.info(f"test accuracy with {result['labels_per_class']} labels per class: "
                     f"semi-supervised GAN {result['accuracy']:.4f}, supervised only "
                     f"{result['baseline_accuracy']:.4f} ({result['test_images']} test images)")
