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
from gankit.data import build_source, build_stream
from gankit.errors import GankitError, TrainingInterrupted
from gankit.evaluate import evaluate_toy, record
from gankit.images import save_grid, save_scatter, to_uint8
from gankit.recipes import build_recipe
from gankit.runs import write_config
from gankit.runtime.distributed import (
    DistributedNet,
    all_mean,
    any_rank,
    broadcast_buffers,
    gather_objects,
    rank_seed,
)
from gankit.runtime.noise import LatentStream
from gankit.runtime.precision import Precision
from gankit.runtime.settings import join_world, resolve_runtime
from gankit.sampling import generate, grid_labels, latents
from gankit.train.checkpoint import latest_checkpoint, load_state, load_weights, save_checkpoint
from gankit.train.ema import EMA
from gankit.train.finite import FiniteWatch
from gankit.train.metrics_log import MetricsLogger, plot_losses
from gankit.train.rng import rng_state, seed_everything, set_rng_state
from gankit.train.signals import StopRequests


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
        self.cfg, self.run_dir = cfg, Path(run_dir)
        t = cfg.train
        self.world = join_world(cfg)
        self.runtime = resolve_runtime(cfg, self.world)
        self.is_main = self.world.is_main  # only rank 0 writes files, logs and shows progress
        self.log = log if self.is_main else _silent
        self.progress = self.is_main and (sys.stderr.isatty() if progress is None else progress)
        self.device = device = self.runtime.device
        cuda = device.type == "cuda"
        seed_everything(t.seed)  # the same nets on every rank
        self.source = build_source(cfg.data, t.seed)
        if cuda:  # in-memory datasets live on the GPU
            self.source.to(device)
        self.recipe = build_recipe(cfg, self.source.spec.sample_shape)
        self.recipe.world = self.world
        self.recipe.precision = Precision(self.runtime.precision, device)
        self.recipe.noise = LatentStream(t.seed, cfg.model.latent_dim, self.world, device)
        self.recipe.to(device, torch.channels_last if self.runtime.channels_last else None)
        self.recipe.attach_source(self.source)
        # the EMA copy is taken before any SyncBatchNorm conversion: it samples on rank 0 alone
        self.ema = EMA(self.recipe.generator, t.ema_decay) if t.ema_decay > 0 else None
        self.recipe.wrap_nets(self._training_view)
        self.generator = self.recipe.modules()["generator"]  # the plain G (EMA, sampling)
        seed_everything(rank_seed(t.seed, self.world.rank))  # each rank its own randomness
        # the LR at step k is a function of k and the config alone, so resuming with a new
        # total step count stays exact (no scheduler state to restore)
        self.base_lrs = {name: [g["lr"] for g in opt.param_groups]
                         for name, opt in self.recipe.optimizers.items()}
        self.stream = build_stream(cfg.data, self.source, self.recipe.batch_fields, t.batch_size,
                                   t.seed, self.world, pin_memory=cuda)
        self.fixed_z = latents(t.grid_size, cfg.model.latent_dim, t.seed + 1)
        self.step = 0
        self.seconds_before = 0.0  # training time of earlier calls (resumed runs)
        self.started = time.perf_counter()
        if resume:
            self._restore()
        elif self.is_main:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            header = f"gankit {__version__}, torch {torch.__version__}, numpy {np.__version__}"
            write_config(self.run_dir, cfg, header)
        self.log(self.runtime.line())

    def _training_view(self, name: str, net: torch.nn.Module):
        """`net` as the training step calls it: compiled and/or under DDP."""
        if self.world.distributed and self.cfg.train.sync_batchnorm:
            net = torch.nn.SyncBatchNorm.convert_sync_batchnorm(net)
        view = torch.compile(net, mode=self.runtime.compile_mode) if self.runtime.compile else net
        if self.world.distributed:
            view = DistributedNet(view, self.device)
        return view

    # -- state ---------------------------------------------------------------------------
    def _nets_to_save(self) -> dict[str, torch.nn.Module]:
        nets = self.recipe.modules()
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
        self.recipe.precision.load_state_dict(state.get("precision", {}))
        if "latents" in state:
            self.recipe.noise.load_state(state["latents"])
        self.step = int(state["step"])
        self.seconds_before = float(state.get("train_seconds", 0.0))
        per_rank = state.get("rng_ranks") or [state["rng"]]
        if len(per_rank) == self.world.size:
            set_rng_state(per_rank[self.world.rank])
        else:  # data order and latents still continue exactly; per-rank draws start afresh
            seed_everything(rank_seed(self.cfg.train.seed + self.step, self.world.rank))
            self.log(f"resuming a {len(per_rank)}-process run on {self.world.size}: per-rank "
                     "random streams (dropout, penalty mixing) restart from a derived seed")

    def _sampling_generator(self) -> torch.nn.Module:
        """The EMA generator (batch-norm statistics recalibrated) when there is one, else G."""
        if self.ema is not None:
            return self.ema.calibrate()
        return self.generator

    def save(self) -> Path | None:
        """Write a checkpoint (rank 0; every rank must call it: RNG states are gathered)."""
        ranks_rng = gather_objects(rng_state())
        if not self.is_main:
            return None
        if self.ema is not None:
            self.ema.calibrate()
        state = {
            "optimizers": {k: o.state_dict() for k, o in self.recipe.optimizers.items()},
            "rng": ranks_rng[0],
            "rng_ranks": ranks_rng,
            "latents": self.recipe.noise.state(),
            "precision": self.recipe.precision.state_dict(),
            "recipe": self.recipe.extra_state(),
            "gankit_version": __version__,
            "world_size": self.world.size,
            "train_seconds": self.seconds_before + time.perf_counter() - self.started,
        }
        return save_checkpoint(self.run_dir, self.step, self._nets_to_save(), state,
                               self.cfg.train.keep_checkpoints)

    def save_samples(self) -> Path:
        gen = self._sampling_generator()
        labels = grid_labels(gen, len(self.fixed_z))
        out = generate(gen, self.fixed_z, labels=labels)
        path = self.run_dir / "samples" / f"step-{self.step:08d}.png"
        if self.source.spec.kind == "points":
            ref = self.source.first(2000)["image"].cpu().numpy()  # the data lives on the GPU there
            return save_scatter(out.numpy(), path, ref, f"step {self.step}")
        nrow = gen.num_classes if labels is not None else None  # a column per class
        return save_grid(to_uint8(out), path, nrow=nrow)

    # -- loop ----------------------------------------------------------------------------
    def run(self) -> TrainResult:
        t = self.cfg.train
        total = t.steps
        if self.step >= total:
            self.log(f"{self.run_dir}: already at step {self.step} of {total}; nothing to train")
            if self.is_main:
                plot_losses(self.run_dir)
            return TrainResult(self.run_dir, self.step, 0.0, 0.0)
        per_step = t.batch_size * self.recipe.batches_per_step  # images over all ranks
        batches = self.stream.iterate(self.step * self.recipe.batches_per_step)
        logger = MetricsLogger(self.run_dir, self.step, t.tensorboard) if self.is_main else None
        bar = tqdm(total=total, initial=self.step, unit="step", dynamic_ncols=True,
                   disable=not self.progress)
        watch = FiniteWatch(self.device)
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
                    self.recipe.step = self.step
                    if self.runtime.cuda_graphs:  # new step: graphs may overwrite the last one's outputs
                        torch.compiler.cudagraph_mark_step_begin()
                    with self.recipe.precision.autocast():
                        scalars = self.recipe.train_step(real)
                    watch.observe(self.step + 1, scalars)
                    if self.ema is not None:
                        self.ema.update(self.generator)
                    self.step += 1
                    count += 1
                    for key, value in scalars.items():
                        sums[key] = sums[key] + value if key in sums else value.clone()
                    bar.update(1)
                    last = self.step == total
                    log_now = self.step % t.log_every == 0 or last
                    sample_now = self.step % t.sample_every == 0 or last
                    eval_now = bool(t.eval_every) and (self.step % t.eval_every == 0 or last)
                    save_now = self.step % t.checkpoint_every == 0 or last
                    if log_now or sample_now or eval_now or save_now:
                        self._check_finite(watch)  # before anything is written
                    if log_now:
                        now = time.perf_counter()
                        rate = (self.step - window_step) * per_step / max(now - window_start, 1e-9)
                        means = all_mean(torch.stack([v.float() for v in sums.values()]) / count)
                        row = dict(zip(sums, means.tolist(), strict=True))
                        row["img_per_s"] = rate
                        if logger is not None:
                            logger.log(self.step, row)
                        bar.set_postfix({k: f"{v:.3g}" for k, v in row.items()}, refresh=False)
                        if not self.progress:
                            shown = " ".join(f"{k}={v:.4g}" for k, v in row.items())
                            self.log(f"step {self.step}/{total} {shown}")
                        sums, count, window_start, window_step = {}, 0, now, self.step
                    if sample_now and self.is_main:
                        self.save_samples()
                    if eval_now:
                        self._evaluate_images(logger)
                    if save_now:
                        self.save()
                    reason = stop.requested
                    if self.world.distributed:  # agreed at log steps, one collective
                        agreed = log_now and any_rank(bool(reason), self.device)
                        reason = (reason or "a stop request on another rank") if agreed else None
                    if reason and not last:
                        if not save_now:  # else this step's checkpoint was just written
                            self._check_finite(watch)
                            self.save()
                        raise TrainingInterrupted(
                            f"{reason} at step {self.step}: checkpoint saved in "
                            f"{self.run_dir}/checkpoints/latest; continue with: "
                            f"gankit train --resume {self.run_dir}"
                        )
        finally:
            bar.close()
            if logger is not None:
                logger.close()
            if self.is_main:
                plot_losses(self.run_dir)
        seconds = time.perf_counter() - start
        rate = (self.step - first_step) * per_step / max(seconds, 1e-9)
        if self.is_main and self.source.spec.kind == "points":
            self._evaluate_toy()
        if self.is_main and self.cfg.recipe == "ssgan":
            self._evaluate_ssl()
        return TrainResult(self.run_dir, self.step, seconds, rate)

    def _evaluate_toy(self) -> None:
        report, _ = evaluate_toy(self._sampling_generator(), self.cfg.data.dataset)
        record(self.run_dir, self.step, {"metric": "toy_modes", **report.as_dict()})
        self.log(report.line())

    def _to_device(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        moved = {}
        for key, value in batch.items():
            value = value.to(self.device, non_blocking=True)
            if self.runtime.channels_last and value.ndim == 4:
                value = value.contiguous(memory_format=torch.channels_last)
            moved[key] = value
        return moved

    def _evaluate_images(self, logger: MetricsLogger) -> None:
        """Image metrics of the current (EMA) generator, in eval.jsonl, metrics.jsonl and
        TensorBoard. Every RNG is restored afterwards (building the extractor's network
        draws from torch's), so a run trains the same with or without evaluations."""
        from gankit.evaluate import ImageEvalOptions, evaluate_generator

        t = self.cfg.train
        gen = self._sampling_generator()
        broadcast_buffers(gen)  # under torchrun every rank samples with rank 0's statistics
        opts = ImageEvalOptions(metrics=t.eval_metrics, features=t.eval_features, n=t.eval_n,
                                progress=self.progress)
        saved = rng_state()
        try:
            result = evaluate_generator(gen, self.cfg.data, opts)  # features from every rank
        finally:
            set_rng_state(saved)
        if not self.is_main:
            return
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

    def _check_finite(self, watch: FiniteWatch) -> None:
        bad = watch.first_bad()
        if bad is None:
            return
        step, key, value = bad
        checkpoint = latest_checkpoint(self.run_dir)
        kept = (f"last good checkpoint: {checkpoint} (resume with --resume and a lower "
                "learning rate)" if checkpoint else "no checkpoint had been written yet")
        raise GankitError(f"{key} became {value} at step {step}; training stopped; {kept}")


def _silent(*_args, **_kwargs) -> None:
    """The log of ranks other than 0."""


def train(cfg: RunConfig, run_dir: str | Path, resume: bool = False,
          progress: bool | None = None, log=print) -> TrainResult:
    """Train `cfg` into `run_dir` (or continue it with `resume`)."""
    return Trainer(cfg, run_dir, resume, progress, log).run()
