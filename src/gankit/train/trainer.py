"""The one training loop every recipe runs in."""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from gankit import __version__
from gankit.config import RunConfig
from gankit.data import BatchStream, build_source
from gankit.errors import GankitError, TrainingInterrupted
from gankit.evaluate import evaluate_toy, record
from gankit.images import save_grid, save_scatter, to_uint8
from gankit.recipes import build_recipe
from gankit.runs import write_config
from gankit.sampling import generate, grid_labels, latents
from gankit.train.checkpoint import latest_checkpoint, load_state, load_weights, save_checkpoint
from gankit.train.ema import EMA
from gankit.train.metrics_log import MetricsLogger, plot_losses
from gankit.train.rng import rng_state, seed_everything, set_rng_state
from gankit.train.signals import StopRequests


def resolve_device(name: str) -> torch.device:
    if name == "cuda" and not torch.cuda.is_available():
        raise GankitError("train.device: cuda requested but no CUDA device is available")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def linear_decay(step: int, total: int, start_fraction: float) -> float:
    """LR factor: 1 until start_fraction x total steps, then linearly down to 0 at `total`."""
    start = start_fraction * total
    if step < start:
        return 1.0
    return max(0.0, (total - step) / max(total - start, 1.0))


@dataclasses.dataclass
class TrainResult:
    run_dir: Path
    step: int
    seconds: float
    images_per_second: float


class Trainer:
    """Runs a recipe for `cfg.train.steps` steps, writing everything into `run_dir`."""

    def __init__(self, cfg: RunConfig, run_dir: str | Path, resume: bool = False,
                 progress: bool | None = None, log=print) -> None:
        self.cfg, self.run_dir, self.log = cfg, Path(run_dir), log
        self.progress = sys.stderr.isatty() if progress is None else progress
        t = cfg.train
        self.device = resolve_device(t.device)
        seed_everything(t.seed)
        self.source = build_source(cfg.data, t.seed)
        self.recipe = build_recipe(cfg, self.source.shape).to(self.device)
        self.recipe.attach_source(self.source, t.seed)
        self.ema = EMA(self.recipe.generator, t.ema_decay) if t.ema_decay > 0 else None
        # the LR at step k is a function of k and the config alone, so resuming with a new
        # total step count stays exact (no scheduler state to restore)
        self.base_lrs = {name: [g["lr"] for g in opt.param_groups]
                         for name, opt in self.recipe.optimizers.items()}
        self.stream = BatchStream(self.source, t.batch_size, t.seed, cfg.data.num_workers)
        self.fixed_z = latents(t.grid_size, cfg.model.latent_dim, t.seed + 1)
        self.step = 0
        self.seconds_before = 0.0  # training time of earlier calls (resumed runs)
        self.started = time.perf_counter()
        if resume:
            self._restore()
        else:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            header = f"gankit {__version__}, torch {torch.__version__}, numpy {np.__version__}"
            write_config(self.run_dir, cfg, header)

    # -- state ---------------------------------------------------------------------------
    def _nets_to_save(self) -> dict[str, torch.nn.Module]:
        nets = dict(self.recipe.nets)
        if self.ema is not None:
            nets["generator_ema"] = self.ema.shadow
        return nets

    def _restore(self) -> None:
        checkpoint = latest_checkpoint(self.run_dir)
        if checkpoint is None:
            return  # started but never checkpointed: begin again from step 0
        for name, net in self._nets_to_save().items():
            path = checkpoint / f"{name}.safetensors"
            if not path.is_file():
                raise GankitError(f"{checkpoint}: {path.name} is missing")
            load_weights(net, path)
        state = load_state(checkpoint)
        for name, opt in self.recipe.optimizers.items():
            opt.load_state_dict(state["optimizers"][name])
        self.recipe.load_extra_state(state.get("recipe", {}))
        set_rng_state(state["rng"])
        self.step = int(state["step"])
        self.seconds_before = float(state.get("train_seconds", 0.0))

    def _sampling_generator(self) -> torch.nn.Module:
        """The EMA generator (batch-norm statistics recalibrated) when there is one, else G."""
        return self.ema.calibrate() if self.ema is not None else self.recipe.generator

    def save(self) -> Path:
        if self.ema is not None:
            self.ema.calibrate()
        state = {
            "optimizers": {k: o.state_dict() for k, o in self.recipe.optimizers.items()},
            "rng": rng_state(),
            "recipe": self.recipe.extra_state(),
            "gankit_version": __version__,
            "train_seconds": self.seconds_before + time.perf_counter() - self.started,
        }
        return save_checkpoint(self.run_dir, self.step, self._nets_to_save(), state,
                               self.cfg.train.keep_checkpoints)

    def save_samples(self) -> Path:
        gen = self._sampling_generator()
        labels = grid_labels(gen, len(self.fixed_z))
        out = generate(gen, self.fixed_z, labels=labels)
        path = self.run_dir / "samples" / f"step-{self.step:08d}.png"
        if self.source.kind == "points":
            ref = self.source.tensors[:2000].numpy()
            return save_scatter(out.numpy(), path, ref, f"step {self.step}")
        nrow = gen.num_classes if labels is not None else None  # a column per class
        return save_grid(to_uint8(out), path, nrow=nrow)

    # -- loop ----------------------------------------------------------------------------
    def run(self) -> TrainResult:
        t = self.cfg.train
        total = t.steps
        if self.step >= total:
            self.log(f"{self.run_dir}: already at step {self.step} of {total}; nothing to train")
            plot_losses(self.run_dir)
            return TrainResult(self.run_dir, self.step, 0.0, 0.0)
        per_step = t.batch_size * self.recipe.batches_per_step
        batches = self.stream.iterate(self.step * self.recipe.batches_per_step,
                                      with_labels=self.recipe.needs_labels)
        logger = MetricsLogger(self.run_dir, self.step, t.tensorboard)
        bar = tqdm(total=total, initial=self.step, unit="step", dynamic_ncols=True,
                   disable=not self.progress)
        sums: dict[str, torch.Tensor] = {}
        count, start = 0, time.perf_counter()
        self.started = start
        window_start, window_step = start, self.step
        first_step = self.step
        try:
            with StopRequests() as stop:
                while self.step < total:
                    self._set_learning_rates()
                    real = [self._to_device(next(batches))
                            for _ in range(self.recipe.batches_per_step)]
                    scalars = self.recipe.train_step(real)
                    self._check_finite(scalars)
                    if self.ema is not None:
                        self.ema.update(self.recipe.generator)
                    self.step += 1
                    count += 1
                    for key, value in scalars.items():
                        sums[key] = sums[key] + value if key in sums else value.clone()
                    bar.update(1)
                    last = self.step == total
                    if self.step % t.log_every == 0 or last:
                        now = time.perf_counter()
                        rate = (self.step - window_step) * per_step / max(now - window_start, 1e-9)
                        row = {k: (v / count).item() for k, v in sums.items()}
                        row["img_per_s"] = rate
                        logger.log(self.step, row)
                        bar.set_postfix({k: f"{v:.3g}" for k, v in row.items()}, refresh=False)
                        if not self.progress:
                            shown = " ".join(f"{k}={v:.4g}" for k, v in row.items())
                            self.log(f"step {self.step}/{total} {shown}")
                        sums, count, window_start, window_step = {}, 0, now, self.step
                    if self.step % t.sample_every == 0 or last:
                        self.save_samples()
                    if t.eval_every and (self.step % t.eval_every == 0 or last):
                        self._evaluate_images(logger)
                    if self.step % t.checkpoint_every == 0 or last:
                        self.save()
                    reason = stop.requested
                    if reason and not last:
                        self.save()
                        raise TrainingInterrupted(
                            f"{reason} at step {self.step}: checkpoint saved in "
                            f"{self.run_dir}/checkpoints/latest; continue with: "
                            f"gankit train --resume {self.run_dir}"
                        )
        finally:
            bar.close()
            logger.close()
            plot_losses(self.run_dir)
        seconds = time.perf_counter() - start
        rate = (self.step - first_step) * per_step / max(seconds, 1e-9)
        if self.source.kind == "points":
            self._evaluate_toy()
        if self.cfg.recipe == "ssgan":
            self._evaluate_ssl()
        return TrainResult(self.run_dir, self.step, seconds, rate)

    def _evaluate_toy(self) -> None:
        report, _ = evaluate_toy(self._sampling_generator(), self.cfg.data.dataset)
        record(self.run_dir, self.step, {"metric": "toy_modes", **report.as_dict()})
        self.log(report.line())

    def _to_device(self, batch):
        if isinstance(batch, (tuple, list)):
            return tuple(part.to(self.device, non_blocking=True) for part in batch)
        return batch.to(self.device, non_blocking=True)

    def _evaluate_images(self, logger: MetricsLogger) -> None:
        """Image metrics of the current (EMA) generator, in eval.jsonl, metrics.jsonl and
        TensorBoard. Every RNG is restored afterwards (building the extractor's network
        draws from torch's), so a run trains the same with or without evaluations."""
        from gankit.evaluate import ImageEvalOptions, evaluate_generator

        t = self.cfg.train
        gen = self._sampling_generator()
        opts = ImageEvalOptions(metrics=t.eval_metrics, features=t.eval_features, n=t.eval_n,
                                progress=self.progress)
        saved = rng_state()
        try:
            result = evaluate_generator(gen, self.cfg.data, opts)
        finally:
            set_rng_state(saved)
        record(self.run_dir, self.step, result)
        numbers = {f"eval_{k}": float(v) for k, v in result.items()
                   if k in ("fid", "kid_mean", "is_mean", "precision", "recall", "density",
                            "coverage", "class_accuracy")}
        logger.log(self.step, numbers)
        if not self.progress:
            self.log(f"step {self.step} " + " ".join(f"{k}={v:.4g}" for k, v in numbers.items()))

    def _evaluate_ssl(self) -> None:
        from gankit.evaluate import ssl_accuracies

        result = ssl_accuracies(self.run_dir)
        record(self.run_dir, self.step, {"metric": "ssl_accuracy", **result})
        self.log(f"test accuracy with {result['labels_per_class']} labels per class: "
                 f"semi-supervised GAN {result['accuracy']:.4f}, supervised only "
                 f"{result['baseline_accuracy']:.4f} ({result['test_images']} test images)")

    def _set_learning_rates(self) -> None:
        factor = linear_decay(self.step, self.cfg.train.steps, self.cfg.train.lr_decay_start)
        for name, opt in self.recipe.optimizers.items():
            for group, base in zip(opt.param_groups, self.base_lrs[name], strict=True):
                group["lr"] = base * factor

    def _check_finite(self, scalars: dict[str, torch.Tensor]) -> None:
        values = torch.stack([v.float() for v in scalars.values()])
        if bool(torch.isfinite(values).all()):
            return
        bad = next(k for k, v in scalars.items() if not torch.isfinite(v).all())
        checkpoint = latest_checkpoint(self.run_dir)
        kept = (f"last good checkpoint: {checkpoint} (resume with --resume and a lower "
                "learning rate)" if checkpoint else "no checkpoint had been written yet")
        raise GankitError(
            f"{bad} became {scalars[bad].item()} at step {self.step + 1}; training stopped; {kept}"
        )


def train(cfg: RunConfig, run_dir: str | Path, resume: bool = False,
          progress: bool | None = None, log=print) -> TrainResult:
    """Train `cfg` into `run_dir` (or continue it with `resume`)."""
    return Trainer(cfg, run_dir, resume, progress, log).run()
