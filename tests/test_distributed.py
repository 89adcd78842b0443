"""torchrun + DDP on CPU (gloo, 2 processes): identical ranks, equivalence with one process
of the same total batch, rank-0-only files, exact resume, two "nodes" on 127.0.0.1."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from gankit.config import config_from_dict, config_to_dict, to_toml
from gankit.evaluate import ImageEvalOptions, evaluate_generator
from gankit.runs import load_generator
from gankit.train import Trainer
from gankit.train.checkpoint import load_state
from tests.conftest import tiny_config

WORKER = Path(__file__).parent / "helpers" / "ddp_worker.py"


def mlp_ring_config(gan: dict | None = None, **train) -> dict:
    """A GAN whose maths is the same for 2 x B and 1 x 2B: no batch norm, no dropout."""
    return {
        "gan": gan or {},
        "data": {"dataset": "ring8", "toy_samples": 2000},
        "nets": {"G": {"arch": "mlp", "latent_dim": 4, "hidden": [32, 32], "norm": "none"},
                 "D": {"arch": "mlp", "hidden": [32, 32]}},
        "train": {"device": "cpu", "steps": 6, "batch_size": 32, "log_every": 3, "sample_every": 100,
                  "checkpoint_every": 3, "tensorboard": False, **train},
    }


def _env() -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parents[1] / "src"), env.get("PYTHONPATH", "")])
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def torchrun(args: list[str], timeout: int = 240) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "torch.distributed.run", *args]
    done = subprocess.run(cmd, env=_env(), capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def run_worker(tmp: Path, name: str, config: dict, nproc: int = 2, **spec) -> dict[int, dict]:
    """Train `config` under torchrun --standalone; the weights each rank ended with."""
    dump = tmp / f"{name}-dump"
    dump.mkdir()
    spec_path = tmp / f"{name}.json"
    spec_path.write_text(json.dumps({"config": config, "run": str(tmp / name), "dump": str(dump),
                                     **spec}))
    torchrun(["--standalone", f"--nproc_per_node={nproc}", str(WORKER), str(spec_path)])
    return {r: load_file(dump / f"rank{r}.safetensors") for r in range(nproc)}


def _single_process(config: dict, run: Path) -> dict[str, torch.Tensor]:
    trainer = Trainer(config_from_dict(config), run, progress=False)
    trainer.run()
    return {f"{n}.{k}": v.detach().clone() for n, net in trainer.recipe.modules().items()
            for k, v in net.state_dict().items()}


def _max_diff(a: dict, b: dict) -> float:
    assert a.keys() == b.keys()
    return max(float((a[k].float() - b[k].float()).abs().max()) for k in a)


def test_two_ranks_stay_identical_and_equal_one_process_with_the_total_batch(tmp_path):
    ranks = run_worker(tmp_path, "ddp", mlp_ring_config())
    assert _max_diff(ranks[0], ranks[1]) == 0.0  # DDP kept both ranks' G and D identical
    single = _single_process(mlp_ring_config(), tmp_path / "single")
    initial = _single_process(mlp_ring_config(steps=1, checkpoint_every=1), tmp_path / "one-step")
    moved = _max_diff(single, initial)  # how far 5 more steps move the weights
    assert _max_diff(ranks[0], single) < 1e-3 * moved, (_max_diff(ranks[0], single), moved)


def test_only_rank_zero_writes_files(tmp_path):
    # each rank works in its own directory and is given the relative run path "run"
    run_worker(tmp_path, "ddp", mlp_ring_config(), chdir=str(tmp_path / "work"), run="run")
    written = {p.relative_to(tmp_path / "work").as_posix() for p in (tmp_path / "work").rglob("*")}
    assert "rank0/run/config.toml" in written and "rank0/run/metrics.jsonl" in written
    assert "rank0/run/checkpoints/latest" in written
    assert {w for w in written if not w.startswith("rank0")} == {"rank1"}  # an empty directory
    rows = (tmp_path / "work/rank0/run/metrics.jsonl").read_text().splitlines()
    assert [json.loads(r)["step"] for r in rows] == [3, 6]  # one line per log step


def test_resume_under_ddp_continues_exactly_with_per_rank_randomness(tmp_path):
    # WGAN-GP with 2 critic steps: the penalty's mixing draws come from each rank's own RNG
    config = mlp_ring_config({"loss": "wasserstein", "gradient_penalty": 10.0, "n_critic": 2}, steps=6)
    straight = run_worker(tmp_path, "straight", config)
    half = {**config, "train": {**config["train"], "steps": 3}}
    run_worker(tmp_path, "resumed", half)
    state = load_state(tmp_path / "resumed" / "checkpoints" / "latest")
    assert len(state["rng_ranks"]) == 2
    assert not torch.equal(state["rng_ranks"][0]["torch"], state["rng_ranks"][1]["torch"])
    resumed = run_worker(tmp_path, "resumed-2", config, run=str(tmp_path / "resumed"), resume=True)
    assert _max_diff(resumed[0], straight[0]) == 0.0
    assert _max_diff(resumed[1], straight[1]) == 0.0


def test_two_nodes_on_localhost_through_torchrun_rendezvous(tmp_path):
    dump = tmp_path / "dump"
    dump.mkdir()
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"config": mlp_ring_config(), "run": str(tmp_path / "run"),
                                "dump": str(dump)}))
    port = _free_port()
    common = ["--nnodes=2", "--nproc_per_node=1", "--rdzv-backend=c10d",
              f"--rdzv-endpoint=127.0.0.1:{port}", "--rdzv-id=gankit-test"]
    nodes = [subprocess.Popen([sys.executable, "-m", "torch.distributed.run", *common,
                               f"--node-rank={rank}", str(WORKER), str(spec)], env=_env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for rank in (0, 1)]
    for node in nodes:
        _, err = node.communicate(timeout=240)
        assert node.returncode == 0, err[-3000:]
    weights = [load_file(dump / f"rank{r}.safetensors") for r in (0, 1)]
    assert _max_diff(weights[0], weights[1]) == 0.0
    single = _single_process(mlp_ring_config(), tmp_path / "single")
    assert _max_diff(weights[0], single) < 1e-5


def test_cli_train_under_torchrun_and_gathered_evaluation(idx_dir, tmp_path):
    """`torchrun -m gankit train` on a DCGAN (batch norm: ranks normalise their own half)
    with an in-training evaluation: the ranks' gathered samples give what one process
    computes from the saved generator."""
    config = tiny_config(idx_dir, device="cpu", steps=4, batch_size=16, sample_every=4, checkpoint_every=4,
                         eval_every=4, eval_n=40, eval_metrics=["fid", "kid"],
                         eval_features="fmnist")
    preset = tmp_path / "tiny.toml"
    preset.write_text(to_toml(config))
    run = tmp_path / "cli-run"
    done = torchrun(["--standalone", "--nproc_per_node=2", "-m", "gankit", "train", "--preset",
                     str(preset), "--out", str(run), "--no-progress"])
    assert done.stdout.count("runtime: cpu, 2 processes") == 1  # rank 0 alone prints
    assert load_state(run / "checkpoints" / "latest")["world_size"] == 2
    rows = [json.loads(r) for r in (run / "eval.jsonl").read_text().splitlines()]
    assert len(rows) == 1 and rows[0]["n_fake"] == 40
    opts = ImageEvalOptions(metrics=["fid", "kid"], features="fmnist", n=40)
    alone = evaluate_generator(load_generator(run, ema=False), config.data, opts)
    assert rows[0]["fid"] == pytest.approx(alone["fid"], rel=1e-6)
    assert rows[0]["kid_mean"] == pytest.approx(alone["kid_mean"], rel=1e-6, abs=1e-9)
    # `gankit eval` under torchrun: the ranks share the samples, rank 0 prints and records
    done = torchrun(["--standalone", "--nproc_per_node=2", "-m", "gankit", "eval", str(run),
                     "--features", "fmnist", "--num-samples", "40", "--metrics", "fid,kid", "--no-ema"])
    assert done.stdout.count("40 samples (raw weights) vs") == 1
    rows = [json.loads(r) for r in (run / "eval.jsonl").read_text().splitlines()]
    assert len(rows) == 2 and rows[1]["fid"] == pytest.approx(alone["fid"], rel=1e-6)


def test_every_recipe_trains_under_ddp_with_identical_ranks(idx_dir, tmp_path):
    """cgan (concat and projection), acgan, ssgan (its baseline net and labelled batches
    too) and the Improved-Techniques GAN (feature matching through D's `features`,
    minibatch discrimination) for 3 steps on 2 ranks."""
    base = config_to_dict(tiny_config(idx_dir, device="cpu", steps=3, batch_size=16, sample_every=3,
                                      checkpoint_every=3))
    variants = {
        "cgan": {"recipe": "cgan"},
        "projection": {"recipe": "cgan", "cgan": {"conditioning": "projection"}},
        "acgan": {"recipe": "acgan"},
        "ssgan": {"recipe": "ssgan", "data": {"labels_per_class": 2}},
        "improved": {"gan": {"feature_matching": True, "label_smoothing": 0.1},
                     "nets": {"D": {"minibatch_kernels": 8}}},
    }
    runs = []
    for name, change in variants.items():
        config = json.loads(json.dumps(base))
        for section, values in change.items():
            if section == "nets":
                for role, extra in values.items():
                    config["nets"][role].update(extra)
            elif isinstance(values, dict):
                config.setdefault(section, {}).update(values)
            else:
                config[section] = values
        runs.append({"name": name, "config": config, "run": str(tmp_path / name)})
    dump = tmp_path / "dump"
    dump.mkdir()
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"runs": runs, "dump": str(dump)}))
    torchrun(["--standalone", "--nproc_per_node=2", str(WORKER), str(spec)])
    for name in variants:
        ranks = [load_file(dump / f"{name}-rank{r}.safetensors") for r in (0, 1)]
        weights = [{k: v for k, v in w.items() if "running_" not in k} for w in ranks]
        assert _max_diff(*weights) == 0.0, name
        assert (tmp_path / name / "checkpoints" / "latest" / "state.pt").is_file()


def test_a_one_process_run_resumes_on_two_ranks(tmp_path):
    """Data order and latents continue exactly; per-rank draws restart from a derived seed."""
    config = mlp_ring_config(steps=3)
    Trainer(config_from_dict(config), tmp_path / "run", progress=False).run()
    longer = mlp_ring_config(steps=6)
    ranks = run_worker(tmp_path, "grown", longer, run=str(tmp_path / "run"), resume=True)
    assert _max_diff(ranks[0], ranks[1]) == 0.0
    state = load_state(tmp_path / "run" / "checkpoints" / "latest")
    assert (state["step"], state["world_size"], len(state["rng_ranks"])) == (6, 2, 2)
    # without batch norm or per-rank randomness in this GAN, it equals the 6-step single run
    single = _single_process(longer, tmp_path / "single")
    assert _max_diff(ranks[0], single) < 1e-5


def test_infogan_under_ddp_keeps_ranks_identical_past_the_end_of_the_code_loss(tmp_path):
    # after objective.info_until, Q's head is in no loss: DDP must still average every gradient
    config = mlp_ring_config()
    config["recipe"] = "infogan"
    config["nets"]["G"].update(latent_dim=3, latent_prior="categorical", latent_components=8)
    config["infogan"] = {"info_until": 0.5}
    del config["gan"]
    ranks = run_worker(tmp_path, "infogan", config)
    assert _max_diff(ranks[0], ranks[1]) == 0.0
    assert any(key.startswith("D.code_head") for key in ranks[0])


def test_the_pix2pix_preset_under_torchrun_keeps_ranks_identical_and_resumes_exactly(tmp_path):
    from gankit.config import config_to_dict
    from gankit.presets import load_preset
    from tests.conftest import make_paired_folders

    root = make_paired_folders(tmp_path / "pairs", n_train=16, n_test=4, size=20)
    tiny = ["nets.G.width=4", "nets.D.width=4", "nets.D.layers=2", "train.batch_size=4",
            "train.log_every=2", "train.checkpoint_every=2", "train.sample_every=100",
            "train.tensorboard=false", "train.precision=fp32", "train.device=cpu",
            'data.dataset="paired"', f'data.root="{root}"', "data.image_size=16", "data.load_size=20",
            "data.flip=true"]
    def config(steps):
        return config_to_dict(load_preset("pix2pix-glyphs", [*tiny, f"train.steps={steps}"]))
    straight = run_worker(tmp_path, "p2p", config(4))
    strip = lambda w: {k: v for k, v in w.items() if "running_" not in k}  # noqa: E731 (per-rank BN statistics)
    assert _max_diff(strip(straight[0]), strip(straight[1])) == 0.0
    run_worker(tmp_path, "p2p-half", config(2))
    resumed = run_worker(tmp_path, "p2p-resumed", config(4), run=str(tmp_path / "p2p-half"), resume=True)
    assert _max_diff(resumed[0], straight[0]) == 0.0 and _max_diff(resumed[1], straight[1]) == 0.0


def test_cyclegan_under_torchrun_keeps_ranks_identical_and_resumes_exactly_with_per_rank_pools(tmp_path):
    from gankit.config import config_to_dict
    from gankit.presets import load_preset
    from tests.conftest import make_unpaired_folders

    root = make_unpaired_folders(tmp_path / "domains", n_a=12, n_b=16, size=20)
    tiny = [*(f"nets.{r}.width=4" for r in ("G", "F", "D_A", "D_B")), "nets.G.blocks=1", "nets.F.blocks=1",
            "nets.D_A.layers=2", "nets.D_B.layers=2", "cyclegan.pool=4", "train.batch_size=4",
            "train.log_every=2", "train.checkpoint_every=2", "train.sample_every=100",
            "train.tensorboard=false", "train.precision=fp32", "train.device=cpu",
            f'data.root="{root}"', "data.image_size=16", "data.load_size=20"]

    def config(steps):
        return config_to_dict(load_preset("cyclegan-horse2zebra-256", [*tiny, f"train.steps={steps}"]))
    straight = run_worker(tmp_path, "cg", config(4))
    assert _max_diff(straight[0], straight[1]) == 0.0
    run_worker(tmp_path, "cg-half", config(2))
    pools = [load_state(tmp_path / "cg-half" / "checkpoints/latest")["recipe"]["pools"]]
    assert pools[0]["A"]["images"].shape[0] == 4  # rank 0's pool (each rank keeps its own)
    resumed = run_worker(tmp_path, "cg-resumed", config(4), run=str(tmp_path / "cg-half"), resume=True)
    assert _max_diff(resumed[0], straight[0]) == 0.0 and _max_diff(resumed[1], straight[1]) == 0.0
