import pytest
import torch
from torch import nn

from gankit.errors import GankitError
from gankit.train import checkpoint as ckpt


def _net(seed):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))


def test_save_repoints_latest_and_prunes(tmp_path):
    for step in (1, 2, 3):
        ckpt.save_checkpoint(tmp_path, step, {"G": _net(step)}, {"x": step}, keep=2)
    root = tmp_path / "checkpoints"
    assert sorted(p.name for p in root.glob("step-*")) == ["step-00000002", "step-00000003"]
    assert (root / "latest").resolve().name == "step-00000003"
    assert ckpt.load_state(ckpt.latest_checkpoint(tmp_path))["step"] == 3
    net = _net(0)
    ckpt.load_weights(net, root / "latest" / "G.safetensors")
    assert torch.equal(net[0].weight, _net(3)[0].weight)
    assert not list(root.glob(".tmp-*")) and not list(root.glob(".latest-*"))


def test_crash_during_write_keeps_previous_checkpoint(tmp_path, monkeypatch):
    ckpt.save_checkpoint(tmp_path, 10, {"G": _net(1), "D": _net(2)}, {})

    calls = []

    def dying_save_file(tensors, path, metadata=None):
        calls.append(path)
        if len(calls) == 2:
            path.write_bytes(b"half a file")
            raise OSError("disk full")
        return real_save_file(tensors, path, metadata=metadata)

    real_save_file = ckpt.save_file
    monkeypatch.setattr(ckpt, "save_file", dying_save_file)
    with pytest.raises(GankitError, match="step-00000020: disk full .while writing the checkpoint.; "
                       "the last complete checkpoint is .*step-00000010"):
        ckpt.save_checkpoint(tmp_path, 20, {"G": _net(3), "D": _net(4)}, {})
    latest = ckpt.latest_checkpoint(tmp_path)
    assert latest.name == "step-00000010"
    assert ckpt.load_state(latest)["step"] == 10
    net = _net(0)
    ckpt.load_weights(net, latest / "D.safetensors")
    assert torch.equal(net[0].weight, _net(2)[0].weight)
    assert not list((tmp_path / "checkpoints").glob(".tmp-*"))  # the cut-short write cleaned up
    monkeypatch.setattr(ckpt, "save_file", real_save_file)
    ckpt.save_checkpoint(tmp_path, 30, {"G": _net(3), "D": _net(4)}, {})
    assert ckpt.latest_checkpoint(tmp_path).name == "step-00000030"


def test_latest_falls_back_to_newest_complete_step(tmp_path):
    ckpt.save_checkpoint(tmp_path, 5, {"G": _net(1)}, {}, keep=3)
    ckpt.save_checkpoint(tmp_path, 6, {"G": _net(1)}, {}, keep=3)
    (tmp_path / "checkpoints" / "latest").unlink()
    (tmp_path / "checkpoints" / "step-00000007").mkdir()  # a directory with no state file
    assert ckpt.latest_checkpoint(tmp_path).name == "step-00000006"


def test_mismatched_weights_give_one_line(tmp_path):
    ckpt.save_checkpoint(tmp_path, 1, {"G": _net(1)}, {})
    path = tmp_path / "checkpoints" / "latest" / "G.safetensors"
    wider = nn.Sequential(nn.Linear(3, 5), nn.BatchNorm1d(5))
    with pytest.raises(GankitError, match=r"do not match.*0.weight is \(4, 3\).*\(5, 3\)"):
        ckpt.load_weights(wider, path)
    with pytest.raises(GankitError, match="missing 2.bias"):
        ckpt.load_weights(nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 1)), path)
    path.write_bytes(b"garbage")
    with pytest.raises(GankitError, match="unreadable weights"):
        ckpt.load_weights(_net(0), path)


def test_state_file_refuses_pickled_code(tmp_path):
    ckpt.save_checkpoint(tmp_path, 1, {"G": _net(1)}, {})
    latest = ckpt.latest_checkpoint(tmp_path)

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    torch.save({"step": 1, "evil": Evil()}, latest / ckpt.STATE_FILE)
    with pytest.raises(GankitError, match="unreadable training state"):
        ckpt.load_state(latest)
