"""Run by the DDP tests under torchrun: train configs, then dump this rank's weights.

    torchrun ... tests/helpers/ddp_worker.py SPEC.json
SPEC: {"config": {...}, "run": DIR, "dump": DIR, "resume": bool, "chdir": DIR or null}, or
      {"runs": [{"name": NAME, "config": {...}, "run": DIR}, ...], "dump": DIR} to train
      several in one process group (weights in DUMP/NAME-rankR.safetensors).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from safetensors.torch import save_file

from gankit.config import config_from_dict
from gankit.runtime.distributed import close_world
from gankit.train import Trainer


def train_and_dump(config: dict, run: str, out: Path, resume: bool = False) -> None:
    trainer = Trainer(config_from_dict(config), run, resume=resume, progress=False)
    trainer.run()
    tensors = {f"{name}.{key}": value.detach().cpu().contiguous()
               for name, net in trainer.recipe.modules().items()
               for key, value in net.state_dict().items()}
    save_file(tensors, out)


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    rank = int(os.environ["RANK"])
    dump = Path(spec["dump"])
    if spec.get("chdir"):  # each rank in its own working directory: relative paths diverge
        work = Path(spec["chdir"]) / f"rank{rank}"
        work.mkdir(parents=True, exist_ok=True)
        os.chdir(work)
    for item in spec.get("runs", []):
        train_and_dump(item["config"], item["run"], dump / f"{item['name']}-rank{rank}.safetensors")
    if "config" in spec:
        train_and_dump(spec["config"], spec["run"], dump / f"rank{rank}.safetensors",
                       spec.get("resume", False))
    close_world()


if __name__ == "__main__":
    main()
