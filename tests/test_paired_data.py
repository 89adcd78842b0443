"""Paired and unpaired folders: both layouts, one-line errors, seeded paired transforms."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from gankit.config import DataConfig
from gankit.data import BatchStream, build_source, build_stream, data_spec
from gankit.data.paired import PairedFolder, hashed_split
from gankit.data.transforms import PairedTransform, example_generator
from gankit.errors import GankitError
from gankit.runtime.distributed import World
from tests.conftest import make_paired_folders


def _cfg(root, **extra) -> DataConfig:
    return DataConfig(**{"dataset": "paired", "root": str(root), "image_size": 16, **extra})


def test_aligned_and_folder_layouts_give_the_same_pairs(tmp_path):
    folders = make_paired_folders(tmp_path / "f", layout="folders")
    aligned = make_paired_folders(tmp_path / "a", layout="aligned")
    a, b = build_source(_cfg(folders)), build_source(_cfg(aligned))
    assert len(a) == len(b) == 24 and a.spec.shapes == {"A": (1, 16, 16), "B": (1, 16, 16)}
    for i in (0, 5, 23):
        x, y = a.item(i), b.item(i)
        torch.testing.assert_close(x["A"], y["A"])
        torch.testing.assert_close(x["B"], -x["A"], atol=1e-6, rtol=0)  # B = 255 - A
    assert len(build_source(_cfg(folders), split="test")) == 8
    swapped = build_source(_cfg(folders, direction="BtoA")).item(3)
    torch.testing.assert_close(swapped["A"], a.item(3)["B"])


def test_paired_folder_mistakes_are_one_line_with_a_count_and_the_first(tmp_path):
    root = make_paired_folders(tmp_path / "p", n_train=6, n_test=0)
    Image.new("L", (16, 16)).save(root / "A" / "train" / "zz-lonely.png")
    Image.new("L", (16, 16)).save(root / "A" / "train" / "zz-other.png")
    with pytest.raises(GankitError, match=r"2 files have no match of the same name in B/ \(first: "
                       r"zz-lonely\)"):
        PairedFolder(root, "train", 16)
    for name in ("zz-lonely", "zz-other"):
        (root / "A" / "train" / f"{name}.png").unlink()
    Image.new("L", (20, 16)).save(root / "B" / "train" / "train-002.png")
    with pytest.raises(GankitError, match=r"1 pairs differ in size between A and B \(first: train-002: "
                       r"A 16x16, B 20x16\)"):
        PairedFolder(root, "train", 16)
    (root / "B" / "train" / "train-002.png").write_bytes(b"not an image")
    with pytest.raises(GankitError, match="1 image files are unreadable"):
        PairedFolder(root, "train", 16)
    with pytest.raises(GankitError, match="does not exist"):
        PairedFolder(tmp_path / "nowhere", "train", 16)


def test_paired_transform_crops_and_flips_a_and_b_alike_and_is_seeded():
    transform = PairedTransform(size=12, load_size=16, flip=True)
    a = torch.randn(1, 16, 16)
    pair = {"A": a, "B": -a}
    outs = [transform(pair, example_generator(3, draw, 7)) for draw in range(20)]
    for out in outs:
        assert out["A"].shape == (1, 12, 12)
        torch.testing.assert_close(out["B"], -out["A"])  # the same window and flip on both
    again = transform(pair, example_generator(3, 5, 7))
    torch.testing.assert_close(again["A"], outs[5]["A"])
    assert len({tuple(o["A"].flatten()[:4].tolist()) for o in outs}) > 5  # draws differ
    plain = transform(pair, None)  # held-out examples: resized only
    assert plain["A"].shape == (1, 12, 12)


def test_stream_transforms_depend_on_draw_and_index_not_on_the_rank(tmp_path):
    root = make_paired_folders(tmp_path / "p", n_train=16, n_test=0)
    cfg = _cfg(root, image_size=12, load_size=16, flip=True)  # files are 16 px: no resampling
    source = build_source(cfg)
    single = next(BatchStream(source, 8, seed=1).iterate(3))
    torch.testing.assert_close(single["B"], -single["A"], atol=1e-6, rtol=0)
    ranks = [next(BatchStream(source, 8, seed=1, rank=r, world_size=2).iterate(3)) for r in (0, 1)]
    together = torch.cat([r["A"] for r in ranks])
    key = lambda t: tuple(t.flatten().tolist())  # noqa: E731
    assert sorted(map(key, together)) == sorted(map(key, single["A"]))
    assert not torch.equal(next(BatchStream(source, 8, seed=1).iterate(4))["A"], single["A"])


def test_hashed_held_out_split_is_stable_per_name(tmp_path):
    names = [f"img{i}" for i in range(2000)]
    test = [n for n in names if hashed_split(n, 0.1) == "test"]
    assert 150 < len(test) < 250
    first = set(names[:1000])
    assert [n for n in names[:1000] if hashed_split(n, 0.1) == "test"] == [t for t in test if t in first]
    root = tmp_path / "flat"
    for side in ("A", "B"):
        (root / side).mkdir(parents=True)
        for i in range(40):
            Image.new("L", (8, 8), i).save(root / side / f"x{i}.png")
    train = build_source(_cfg(root, held_out=0.25, image_size=8))
    held = build_source(_cfg(root, held_out=0.25, image_size=8), split="test")
    assert len(train) + len(held) == 40 and 0 < len(held) < 20


def test_unpaired_domains_are_drawn_independently(tmp_path):
    root = tmp_path / "u"
    for domain, n in (("trainA", 12), ("trainB", 20)):
        (root / domain).mkdir(parents=True)
        for i in range(n):
            Image.new("RGB" if domain == "trainB" else "L", (10, 10), (i * 10, 0, 0) if domain == "trainB"
                      else i * 10).save(root / domain / f"{i}.png")
    cfg = DataConfig(dataset="unpaired", root=str(root), image_size=8)
    spec = data_spec(cfg)
    assert spec.kind == "unpaired" and spec.shapes == {"A": (1, 8, 8), "B": (3, 8, 8)}
    source = build_source(cfg)
    stream = build_stream(cfg, source, ["A", "B"], 4, seed=0, world=World())
    batch = next(stream.iterate(0))
    assert batch["A"].shape == (4, 1, 8, 8) and batch["B"].shape == (4, 3, 8, 8)
    a_stream, b_stream = stream.streams
    assert a_stream.batches_per_epoch == 3 and b_stream.batches_per_epoch == 5  # each its own length
    with pytest.raises(GankitError, match="expected testA/ and testB/"):
        build_source(cfg, split="test")
    np.testing.assert_array_equal(a_stream.indices(0).numpy() < 12, True)
