"""The one training loop every recipe runs in. It reads what a recipe declares (nets,
optimizer groups, EMA nets, visuals, exports) and knows no recipe, data kind or metric."""

from __future__ import annotations

import dataclasses
import re
import sys
import time
from pathlib import Path

import torch
from tqdm import tqdm

from gankit import __version__
from gankit.config import RunConfig, to_toml
from gankit.data import build_source, build_stream, held_out_source
from gankit.data.fingerprint import write_fingerprint
from gankit.errors import GankitError, TrainingInterrupted
from gankit.logs import get_logger
from gankit.recipes import StepContext, recipe_class
from gankit.runtime.distributed import DistributedNet, all_mean, any_rank, gather_objects, rank_seed
from gankit.runtime.precision import Precision
from gankit.runtime.settings import join_world, resolve_runtime
from gankit.train.checkpoint import (
    clean_leftovers,
    latest_checkpoint,
    load_state,
    load_weights,
    save_checkpoint,
)
from gankit.train.ema import EMA
from gankit.train.finite import FiniteWatch
from gankit.train.hooks import RunHooks
from gankit.train.lock import RunLock
from gankit.train.metrics_log import MetricsLogger, plot_losses
from gankit.train.rng import rng_state, seed_everything, set_rng_state
from gankit.train.run_files import describe_nets, write_run_config
from gankit.train.schedules import linear_decay
from gankit.train.signals import StopRequests
from gankit.train.visuals import save_visuals

log = get_logger("train")


def first_line(err: BaseException) -> str:
    return str(err).strip().splitlines()[0][:160] if str(err).strip() else type(err).__name__
# reads well at 80 columns: percentage, a short bar, steps, times and rate, then the losses
BAR_FORMAT = "{percentage:3.0f}%|{bar:12}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}]{postfix}"


def _losses(row: dict) -> str:
    """The losses of a log row, short: 'd=1.39 g=0.721' (at most 30 characters)."""
    shown = " ".join(f"{k.removeprefix('loss_')}={float(v):.3g}" for k, v in row.items()
                     if k.startswith("loss_"))
    return shown[:30]


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m" if seconds >= 3600 else \
        f"{seconds // 60}m{seconds % 60:02d}s"


@dataclasses.dataclass
class TrainResult:
    run_dir: Path
    step: int
    seconds: float
    images_per_second: float


class Trainer:
    """Runs a recipe for `cfg.train.steps` steps, writing everything into `run_dir`."""

    def __init__(self, cfg: RunConfig, run_dir: str | Path, resume: bool = False,
                 progress: bool | None = None, hooks: RunHooks | None = None) -> None:
        self.cfg, self.run_dir = cfg, Path(run_dir)
        self.hooks = hooks or RunHooks()
        t = cfg.train
        self.world = join_world(cfg)
        recipe_cls = recipe_class(cfg.recipe)
        self.runtime = resolve_runtime(cfg, self.world, recipe_cls.double_backward(cfg))
        self.is_main = self.world.is_main  # only rank 0 writes files, logs and shows progress
        self.progress = self.is_main and (sys.stderr.isatty() if progress is None else progress)
        self.device = device = self.runtime.device
        cuda = device.type == "cuda"
        seed_everything(t.seed)  # the same nets on every rank
        self.source = build_source(cfg.data, t.seed)
        if cuda:  # in-memory datasets live on the GPU
            self.source.to(device)
        ctx = StepContext(self.world, Precision(self.runtime.precision, device), device, t.seed)
        try:
            self.recipe = recipe_cls(cfg, self.source.spec, ctx)
        except RuntimeError as err:  # e.g. a width whose first layer needs more memory than there is
            if "alloc" not in str(err).lower() and "memory" not in str(err).lower():
                raise
            asked = re.search(r"allocate (\d+) bytes", str(err))
            size = f"a layer asks for {int(asked[1]) / 1e9:,.1f} GB" if asked else first_line(err)
            raise GankitError(f"the nets of this config do not fit in memory ({size}); "
                              "make the net widths or latent size smaller") from None
        self.recipe.to(device, torch.channels_last if self.runtime.channels_last else None)
        # EMA copies are taken before any SyncBatchNorm conversion: they sample on rank 0 alone
        self.emas = ({name: EMA(self.recipe.nets[name], t.ema_decay) for name in self.recipe.ema}
                     if t.ema_decay > 0 else {})
        self.recipe.wrap_nets(self._training_view)
        seed_everything(rank_seed(t.seed, self.world.rank))  # each rank its own randomness
        # the LR at step k is a function of k and the config alone, so resuming with a new
        # total step count stays exact (no scheduler state to restore)
        self.base_lrs = {name: [g["lr"] for g in opt.param_groups]
                         for name, opt in self.recipe.optimizers.items()}
        self.stream = build_stream(cfg.data, self.source, self.recipe.batch_fields, t.batch_size,
                                   t.seed, self.world, pin_memory=cuda)
        self.held_out = held_out_source(cfg.data)
        self.fixed = self.recipe.fixed_inputs(t.grid_size, t.seed + 1, self.held_out or self.source)
        self.step = 0
        self.seconds_before = 0.0  # training time of earlier calls (resumed runs)
        self.started = time.perf_counter()
        self.lock = RunLock(self.run_dir).acquire() if self.is_main else None
        if self.is_main:
            clean_leftovers(self.run_dir / "checkpoints")
        try:
            if resume:
                self._restore()
            elif self.is_main:
                write_run_config(self.run_dir, cfg)
                write_fingerprint(self.run_dir, cfg.data, t.seed)
        except BaseException:
            if self.lock is not None:
                self.lock.release()
            raise
        if self.is_main:
            from gankit.provenance import record_start

            record_start(self.run_dir, "resume" if resume else "start", self.world.size)
            log.info(self.runtime.line())
            log.info(self.describe_start())

    def describe_start(self) -> str:
        """What the run found: its data and the size of each net."""
        shapes = ", ".join(f"{k} {'x'.join(map(str, v))}" if v else k
                           for k, v in self.source.spec.shapes.items())
        sizes = ", ".join(f"{name} {sum(p.numel() for p in net.parameters()) / 1e6:.2f}M"
                          for name, net in self.recipe.modules().items())
        held = f"; held out: {len(self.held_out)}" if self.held_out is not None else ""
        return (f"data: {self.source.name}, {len(self.source)} examples ({shapes}){held}; "
                f"parameters: {sizes}")

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
        nets.update({f"{name}_ema": ema.shadow for name, ema in self.emas.items()})
        return nets

    def sampling_nets(self) -> dict[str, torch.nn.Module]:
        """The nets to sample with: EMA copies (refreshed by the recipe) where kept."""
        nets = self.recipe.modules()
        for name, ema in self.emas.items():
            self.recipe.refresh_ema(name, ema.shadow)
            nets[name] = ema.shadow
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
        ranks_state = state.get("recipe_ranks") or [state.get("recipe", {})]  # e.g. per-rank image pools
        same_world = len(ranks_state) == self.world.size
        self.recipe.load_state_dict(ranks_state[self.world.rank if same_world else 0])
        self.recipe.ctx.precision.load_state_dict(state.get("grad_scaler", {}))
        for name, ema in self.emas.items():
            ema.load_state_dict(state.get("ema", {}).get(name, {}))
        self.step = int(state["step"])
        self.seconds_before = float(state.get("train_seconds", 0.0))
        per_rank = state.get("rng_ranks") or [state["rng"]]
        if len(per_rank) == self.world.size:
            set_rng_state(per_rank[self.world.rank])
        else:  # data order and latents still continue exactly; per-rank draws start afresh
            seed_everything(rank_seed(self.cfg.train.seed + self.step, self.world.rank))
            if self.is_main:
                log.info(f"resuming a {len(per_rank)}-process run on {self.world.size}: per-rank "
                         "random streams (dropout, penalty mixing) restart from a derived seed")

    def save(self) -> Path | None:
        """Write a checkpoint (rank 0; every rank must call it: RNG states are gathered)."""
        ranks_rng = gather_objects(rng_state())
        ranks_state = gather_objects(self.recipe.state_dict()) if self.world.size > 1 else None
        if not self.is_main:
            return None
        self.sampling_nets()  # EMA copies are saved ready to sample
        state = {
            "optimizers": {k: o.state_dict() for k, o in self.recipe.optimizers.items()},
            "rng": ranks_rng[0],
            "rng_ranks": ranks_rng,
            "grad_scaler": self.recipe.ctx.precision.state_dict(),
            "recipe": self.recipe.state_dict(),
            **({"recipe_ranks": ranks_state} if ranks_state else {}),
            "ema": {name: ema.state_dict() for name, ema in self.emas.items()},
            "gankit_version": __version__,
            "world_size": self.world.size,
            "train_seconds": self.seconds_before + time.perf_counter() - self.started,
        }
        nets = self._nets_to_save()
        self._check_finite_weights(nets)
        files = describe_nets(nets, self.recipe.models(), list(self.emas), self.step)
        return save_checkpoint(self.run_dir, self.step, nets, state, self.cfg.train.keep_checkpoints,
                               files)

    def _check_finite_weights(self, nets: dict[str, torch.nn.Module]) -> None:
        """Refuse to call weights with NaN or inf a checkpoint."""
        for name, net in nets.items():
            if not all(torch.isfinite(p).all() for p in net.state_dict().values() if p.is_floating_point()):
                raise GankitError(f"the weights of {name} hold NaN or inf at step {self.step}; no checkpoint "
                                  f"written; {self._last_good_advice()}")

    def _last_good_advice(self) -> str:
        checkpoint = latest_checkpoint(self.run_dir)
        if checkpoint is None:
            return "no checkpoint had been written yet (start again with a lower learning rate)"
        groups = " ".join(f"--set optim.lr.{g}={lr / 10:.3g}" for g, lr in self.cfg.optim.lr.items())
        return (f"last good checkpoint: {checkpoint}; continue from it with lower learning rates: "
                f"gankit train --resume {self.run_dir} {groups}")

    def save_visuals(self) -> Path | None:
        visuals = self.recipe.visuals(self.fixed, self.sampling_nets())
        if visuals is None:
            return None
        path = self.run_dir / "samples" / f"step-{self.step:08d}.png"
        return save_visuals(visuals, path, title=f"step {self.step}")

    # -- loop ----------------------------------------------------------------------------
    def run(self) -> TrainResult:
        t = self.cfg.train
        total = t.steps
        if self.step >= total:
            if self.is_main:
                log.info(f"{self.run_dir}: already at step {self.step} of {total}; nothing to train")
                plot_losses(self.run_dir)
                self.lock.release()
            return TrainResult(self.run_dir, self.step, 0.0, 0.0)
        per_step = t.batch_size * self.recipe.batches_per_step  # examples over all ranks
        batches = self.stream.iterate(self.step * self.recipe.batches_per_step)
        logger = MetricsLogger(self.run_dir, self.step, t.tensorboard) if self.is_main else None
        if logger is not None and self.step == 0:
            logger.text("config", to_toml(self.cfg))
        bar = tqdm(total=total, initial=self.step, unit="step", dynamic_ncols=True,
                   disable=not self.progress, bar_format=BAR_FORMAT)
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
                    with self.recipe.ctx.precision.autocast():
                        scalars = self.recipe.train_step(real)
                    watch.observe(self.step + 1, scalars)
                    for name, ema in self.emas.items():
                        ema.update(self.recipe.modules()[name])
                    self.step += 1
                    count += 1
                    self.hooks.on_step(self)
                    for key, value in scalars.items():
                        sums[key] = sums[key] + value if key in sums else value.clone()
                    bar.update(1)
                    if count == 1 and self.step == first_step + 1 and self.progress:
                        bar.set_postfix_str(_losses(scalars), refresh=False)  # before the first log
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
                        row.update(self._learning_rates())
                        if logger is not None:
                            logger.log(self.step, row)
                        bar.set_postfix_str(_losses(row), refresh=False)
                        if self.is_main and not self.progress:
                            shown = " ".join(f"{k}={v:.4g}" for k, v in row.items()
                                             if not k.startswith("lr_"))
                            eta = (total - self.step) * (now - start) / max(self.step - first_step, 1)
                            log.info(f"step {self.step}/{total} {shown} eta {_duration(eta)}")
                        sums, count, window_start, window_step = {}, 0, now, self.step
                    if sample_now and self.is_main:
                        picture = self.save_visuals()
                        if picture is not None and logger is not None:
                            logger.image(self.step, "visuals", picture)
                    if eval_now:
                        self.hooks.on_eval(self, logger)
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
            if self.lock is not None:
                self.lock.release()
        seconds = time.perf_counter() - start
        rate = (self.step - first_step) * per_step / max(seconds, 1e-9)
        if self.is_main:
            self.hooks.on_end(self)
        return TrainResult(self.run_dir, self.step, seconds, rate)

    def _to_device(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        moved = {}
        for key, value in batch.items():
            value = value.to(self.device, non_blocking=True)
            if self.runtime.channels_last and value.ndim == 4:
                value = value.contiguous(memory_format=torch.channels_last)
            moved[key] = value
        return moved

    def _learning_rates(self) -> dict[str, float]:
        return {f"lr_{name}": opt.param_groups[0]["lr"] for name, opt in self.recipe.optimizers.items()}

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
        advice = self._last_good_advice()
        raise GankitError(f"{key} became {value} at step {step}; training stopped; {advice}")
