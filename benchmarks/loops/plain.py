"""The plain PyTorch loops gankit's Trainer is measured against: each a recipe's update
written the way its reference implementation writes it, on in-memory batches."""

from __future__ import annotations

import contextlib
import itertools
import random
import time

import torch
import torch.nn.functional as F

from gankit.nets import build_net
from gankit.runtime.settings import CUDA_GRAPH_MODES

DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


def in_memory_fields(source) -> dict[str, torch.Tensor]:
    """The fields of an in-memory source (of each part, for unpaired domains)."""
    parts = source.parts.values() if source.parts is not None else [source]
    return {k: v for part in parts for k, v in part.fields.items()}


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _adam_and_compiled(cfg, gen, disc, device: torch.device, compile_mode: str | bool):
    """The preset's Adam for G and D (fused on CUDA) and the nets to call (compiled if asked)."""
    betas, fused = (cfg.optim.beta1, cfg.optim.beta2), device.type == "cuda" or None
    opt_g = torch.optim.Adam(gen.parameters(), lr=cfg.optim.lr["G"], betas=betas, fused=fused)
    opt_d = torch.optim.Adam(disc.parameters(), lr=cfg.optim.lr["D"], betas=betas, fused=fused)
    if compile_mode:
        return opt_g, opt_d, torch.compile(gen, mode=compile_mode), torch.compile(disc, mode=compile_mode)
    return opt_g, opt_d, gen, disc


def plain_loop(cfg, data: dict, steps: int, warmup: int, device: torch.device,
               precision: str, channels_last: bool, compile_mode: str | bool) -> float:
    """pytorch/examples' DCGAN loop, written plainly (no per-step host sync): img/s."""
    torch.manual_seed(0)
    data = data["image"]
    shape = tuple(data.shape[1:])
    layout = torch.channels_last if channels_last else torch.contiguous_format
    gen = build_net("generator", cfg.nets["G"], shape).to(device, memory_format=layout)
    disc = build_net("discriminator", cfg.nets["D"], shape).to(device, memory_format=layout)
    opt_g, opt_d, run_g, run_d = _adam_and_compiled(cfg, gen, disc, device, compile_mode)
    scaler = torch.amp.GradScaler(device.type) if precision == "fp16" else None
    autocast = (torch.autocast(device.type, dtype=DTYPES[precision]) if precision in DTYPES
                else contextlib.nullcontext())
    batch, dim = cfg.train.batch_size, cfg.nets["G"].latent_dim

    def backward_step(loss, opt):
        opt.zero_grad(set_to_none=True)
        if scaler is None:
            loss.backward()
            opt.step()
        else:
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()

    start = None
    for i in range(steps + warmup):
        if i == warmup:
            _sync(device)
            start = time.perf_counter()
        if compile_mode in CUDA_GRAPH_MODES and device.type == "cuda":
            torch.compiler.cudagraph_mark_step_begin()  # last step's graph outputs may be reused
        real = data[torch.randint(len(data), (batch,), device=data.device)]
        real = real.contiguous(memory_format=layout)
        with autocast:
            fake = run_g(torch.randn(batch, dim, device=device))
            out_real, out_fake = run_d(real).float(), run_d(fake.detach()).float()
            loss_d = (F.binary_cross_entropy_with_logits(out_real, torch.ones_like(out_real))
                      + F.binary_cross_entropy_with_logits(out_fake, torch.zeros_like(out_fake)))
        backward_step(loss_d, opt_d)
        with autocast:
            out = run_d(fake).float()
            loss_g = F.binary_cross_entropy_with_logits(out, torch.ones_like(out))
        backward_step(loss_g, opt_g)
    _sync(device)
    return steps * batch / (time.perf_counter() - start)


def plain_pix2pix_loop(cfg, data: dict, steps: int, warmup: int, device: torch.device,
                       precision: str, channels_last: bool, compile_mode: str | bool) -> float:
    """The pix2pix repository's update, written plainly: img/s."""
    torch.manual_seed(0)
    a_all, b_all = data["A"], data["B"]
    layout = torch.channels_last if channels_last else torch.contiguous_format
    shape = tuple(b_all.shape[1:])
    gen = build_net("translator", cfg.nets["G"], shape, in_channels=a_all.shape[1])
    gen = gen.to(device, memory_format=layout)
    judged = (a_all.shape[1] + b_all.shape[1], *shape[1:])
    disc = build_net("discriminator", cfg.nets["D"], judged).to(device, memory_format=layout)
    opt_g, opt_d, run_g, run_d = _adam_and_compiled(cfg, gen, disc, device, compile_mode)
    autocast = (torch.autocast(device.type, dtype=DTYPES[precision]) if precision in DTYPES
                else contextlib.nullcontext())
    batch, weight = cfg.train.batch_size, cfg.options.l1
    bce = F.binary_cross_entropy_with_logits
    start = None
    for i in range(steps + warmup):
        if i == warmup:
            _sync(device)
            start = time.perf_counter()
        idx = torch.randint(len(a_all), (batch,), device=a_all.device)
        a, b = (t[idx].contiguous(memory_format=layout) for t in (a_all, b_all))
        with autocast:
            fake = run_g(a)
            real_out = run_d(torch.cat([a, b], 1)).float()
            fake_out = run_d(torch.cat([a, fake.detach()], 1)).float()
            loss_d = 0.5 * (bce(real_out, torch.ones_like(real_out))
                            + bce(fake_out, torch.zeros_like(fake_out)))
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        with autocast:
            out = run_d(torch.cat([a, fake], 1)).float()
            loss_g = bce(out, torch.ones_like(out)) + weight * F.l1_loss(fake.float(), b.float())
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
    _sync(device)
    return steps * batch / (time.perf_counter() - start)


def _pool(size: int):
    """The reference's image pool: with probability ½ swap a new fake for a stored one."""
    stored: list[torch.Tensor] = []

    def query(images: torch.Tensor) -> torch.Tensor:
        out = []
        for image in images.detach():
            if len(stored) < size:
                stored.append(image)
                out.append(image)
            elif random.random() < 0.5:
                i = random.randrange(size)
                out.append(stored[i].clone())
                stored[i] = image
            else:
                out.append(image)
        return torch.stack(out)

    return query


def plain_cyclegan_loop(cfg, data: dict, steps: int, warmup: int, device: torch.device,
                        precision: str, channels_last: bool, compile_mode: str | bool) -> float:
    """The CycleGAN repository's update (least squares, cycle, identity, pools), plainly: img/s."""
    torch.manual_seed(0)
    random.seed(0)
    a_all, b_all = data["A"], data["B"]
    layout = torch.channels_last if channels_last else torch.contiguous_format
    shape_a, shape_b = tuple(a_all.shape[1:]), tuple(b_all.shape[1:])
    g_ab = build_net("translator", cfg.nets["G"], shape_b, in_channels=shape_a[0])
    g_ba = build_net("translator", cfg.nets["F"], shape_a, in_channels=shape_b[0])
    d_a = build_net("discriminator", cfg.nets["D_A"], shape_a)
    d_b = build_net("discriminator", cfg.nets["D_B"], shape_b)
    nets = [n.to(device, memory_format=layout) for n in (g_ab, g_ba, d_a, d_b)]
    if compile_mode:
        nets = [torch.compile(n, mode=compile_mode) for n in nets]
    g_ab, g_ba, d_a, d_b = nets
    betas = (cfg.optim.beta1, cfg.optim.beta2)
    opt_g = torch.optim.Adam(itertools.chain(g_ab.parameters(), g_ba.parameters()), lr=cfg.optim.lr["G"],
                             betas=betas)
    opt_d = torch.optim.Adam(itertools.chain(d_a.parameters(), d_b.parameters()), lr=cfg.optim.lr["D"],
                             betas=betas)
    autocast = (torch.autocast(device.type, dtype=DTYPES[precision]) if precision in DTYPES
                else contextlib.nullcontext())
    o = cfg.options
    pool_a, pool_b = _pool(o.pool), _pool(o.pool)
    batch = cfg.train.batch_size

    def mse(out: torch.Tensor, target: float) -> torch.Tensor:
        out = out.float()
        return F.mse_loss(out, torch.full_like(out, target))

    start = None
    for i in range(steps + warmup):
        if i == warmup:
            _sync(device)
            start = time.perf_counter()
        a = a_all[torch.randint(len(a_all), (batch,), device=a_all.device)].contiguous(memory_format=layout)
        b = b_all[torch.randint(len(b_all), (batch,), device=b_all.device)].contiguous(memory_format=layout)
        for p in itertools.chain(d_a.parameters(), d_b.parameters()):
            p.requires_grad_(False)
        with autocast:
            fake_b, fake_a = g_ab(a), g_ba(b)
            cycle = F.l1_loss(g_ba(fake_b).float(), a) + F.l1_loss(g_ab(fake_a).float(), b)
            identity = F.l1_loss(g_ab(b).float(), b) + F.l1_loss(g_ba(a).float(), a)
            loss_g = (mse(d_b(fake_b), 1.0) + mse(d_a(fake_a), 1.0) + o.cycle * cycle
                      + o.cycle * o.identity * identity)
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        for p in itertools.chain(d_a.parameters(), d_b.parameters()):
            p.requires_grad_(True)
        with autocast:
            loss_d = (0.5 * (mse(d_a(a), 1.0) + mse(d_a(pool_a(fake_a)), 0.0))
                      + 0.5 * (mse(d_b(b), 1.0) + mse(d_b(pool_b(fake_b)), 0.0)))
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
    _sync(device)
    return steps * batch / (time.perf_counter() - start)


PLAIN_LOOPS = {"gan": plain_loop, "pix2pix": plain_pix2pix_loop, "cyclegan": plain_cyclegan_loop}
