"""`gankit serve` and `gankit report`: the app's API (reproducible seeds, checked inputs, one-line
errors), the page in headless Chromium (generate, interpolate, translate; what is drawn), and
the report of a run opened and screenshotted there with no console errors."""

from __future__ import annotations

import base64
import io
import json
import time
import urllib.error
import urllib.request
import uuid

import numpy as np
import pytest
from PIL import Image

from gankit.train import train
from tests.browser import Served, chrome, console_errors, images_loaded, needs_browser


@pytest.fixture(scope="module")
def dcgan_run(tmp_path_factory):
    from tests.conftest import make_idx_dataset, tiny_config

    root = tmp_path_factory.mktemp("web")
    run = root / "run"
    train(tiny_config(make_idx_dataset(root / "fm"), steps=4, sample_every=2), run, progress=False)
    return run


@pytest.fixture(scope="module")
def translator_run(tmp_path_factory):
    from tests.conftest import make_paired_folders
    from tests.test_pix2pix import _pix2pix

    root = tmp_path_factory.mktemp("web-pix")
    run = root / "run"
    train(_pix2pix(make_paired_folders(root / "pairs"), steps=2), run, progress=False)
    return run


def _post(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def _upload(url: str, data: bytes, name: str = "x.png") -> tuple[int, dict]:
    boundary = uuid.uuid4().hex
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"{name}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n")
    body = head.encode() + data + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(url, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def _decode(uri: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))))


def test_the_api_reproduces_seeds_and_refuses_bad_input_in_one_line(dcgan_run):
    from gankit.inference import load

    with Served(dcgan_run) as app:
        code, first = _post(f"{app.url}/api/sample", {"seed": 3, "n": 4})
        assert code == 200 and len(first["latent"]) == 8
        _, again = _post(f"{app.url}/api/sample", {"seed": 3, "n": 4})
        assert first["image"] == again["image"]
        expected = load(dcgan_run).sample(4, seed=3)
        grid = _decode(first["image"])
        assert grid.shape[:2] == (2 * 28 + 3 * 2, 2 * 28 + 3 * 2)  # 2 x 2 images, 2-px padding
        top_left = (expected[0, 0].numpy() * 127.5 + 127.5).round().clip(0, 255)
        assert np.abs(grid[2:30, 2:30].astype(float) - top_left).max() <= 1
        code, walk = _post(f"{app.url}/api/interpolate", {"seed_a": 1, "seed_b": 2, "steps": 5})
        assert code == 200 and _decode(walk["image"]).shape[1] == 5 * 28 + 6 * 2
        for body, message in (({"seed": -1}, "seed: must be between"), ({"n": 1000}, "n: must be between"),
                              ({"n": "lots"}, "expected a whole number"), ({"class": 3}, "not conditional"),
                              ({"model": "nope"}, "no sampler named")):
            code, answer = _post(f"{app.url}/api/sample", body)
            assert code == 400 and message in answer["error"] and "\n" not in answer["error"]
        code, answer = _upload(f"{app.url}/api/translate", b"not an image")
        assert code == 400 and "no translator" in answer["error"]


def test_uploads_are_checked(translator_run):
    with Served(translator_run) as app:
        buffer = io.BytesIO()
        Image.new("L", (40, 30), 128).save(buffer, format="PNG")
        code, answer = _upload(f"{app.url}/api/translate", buffer.getvalue())
        assert code == 200 and _decode(answer["output"]).shape[:2] == (16 + 4, 16 + 4)  # 2-px padding
        gif = io.BytesIO()
        Image.new("L", (8, 8)).save(gif, format="GIF")
        for data, message in ((b"", "empty"), (b"hello", "not a readable image"),
                              (gif.getvalue(), "a GIF file"), (b"x" * (9 * 2**20), "over the 8 MiB limit")):
            code, answer = _upload(f"{app.url}/api/translate", data)
            assert code == 400 and message in answer["error"], answer
        code, answer = _post(f"{app.url}/api/translate-text", {"text": "abc"})
        assert code == 400 and "not trained on glyphs" in answer["error"]


ERROR_TEXT = "return document.getElementById('error').textContent"


def _loaded(image_id: str) -> str:
    return f"const i = document.getElementById('{image_id}'); return i.complete && i.naturalWidth"


def _wait(driver, condition, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = driver.execute_script(condition)
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for: {condition}")


@needs_browser
def test_the_page_generates_interpolates_and_reproduces(dcgan_run):
    driver = chrome()
    try:
        with Served(dcgan_run) as app:
            driver.get(app.url)
            _wait(driver, "return document.body.dataset.ready")
            driver.find_element("id", "seed").clear()
            driver.find_element("id", "seed").send_keys("5")
            driver.find_element("id", "generate").click()
            first = _wait(driver, "const i = document.getElementById('sample-image'); "
                                  "return i.complete && i.naturalWidth > 0 && i.src")
            sizes = {i["alt"]: i for i in images_loaded(driver)}
            assert sizes["samples"]["width"] == 4 * 28 + 5 * 2  # 16 images: 4 x 4
            assert len(driver.find_element("id", "latent").text.split()) == 8
            driver.execute_script("document.getElementById('sample-image').src = ''")
            driver.find_element("id", "generate").click()
            assert _wait(driver, "const i = document.getElementById('sample-image'); "
                                 "return i.src.startsWith('data:') && i.src") == first
            driver.find_element("id", "interpolate").click()
            _wait(driver, _loaded("interp-image"))
            assert {i["alt"]: i for i in images_loaded(driver)}["interpolation"]["width"] == 8 * 28 + 9 * 2
            driver.find_element("id", "n").clear()
            driver.find_element("id", "n").send_keys("500")
            driver.find_element("id", "generate").click()
            assert "n: must be between 1 and 64" in _wait(driver, ERROR_TEXT)
            assert console_errors(driver) == [] or all("400" in e for e in console_errors(driver))
    finally:
        driver.quit()


@needs_browser
def test_the_page_translates_an_upload(translator_run, tmp_path):
    picture = tmp_path / "in.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (24, 24)).astype(np.uint8)).save(picture)
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"this is text")
    driver = chrome()
    try:
        with Served(translator_run) as app:
            driver.get(app.url)
            _wait(driver, "return document.body.dataset.ready")
            driver.find_element("id", "upload").send_keys(str(picture))
            driver.find_element("id", "translate").click()
            _wait(driver, _loaded("output-image"))
            sizes = {i["alt"]: i for i in images_loaded(driver)}
            assert sizes["input"]["width"] == sizes["output"]["width"] == 16 + 2 * 2
            driver.find_element("id", "upload").send_keys(str(bad))
            driver.find_element("id", "translate").click()
            assert "not a readable image" in _wait(driver, ERROR_TEXT)
    finally:
        driver.quit()


@needs_browser
def test_the_report_opens_with_every_image_and_no_console_error(capsys, dcgan_run, tmp_path):
    from gankit.cli import main

    assert main(["eval", str(dcgan_run), "--features", "fmnist", "--n", "32"]) == 0
    out = tmp_path / "report.html"
    assert main(["report", str(dcgan_run), "--out", str(out)]) == 0
    html = out.read_text()
    assert "provenance" in html.lower() and "fmnist" in html and "<script" in html
    driver = chrome()
    try:
        driver.get(out.as_uri())
        _wait(driver, "return Array.from(document.images).every(i => i.complete)")
        images = images_loaded(driver)
        assert len(images) >= 3 and all(i["width"] > 0 for i in images), images
        slider = driver.find_element("id", "strip-slider")
        driver.execute_script("arguments[0].value = 0; arguments[0].dispatchEvent(new Event('input'))",
                              slider)
        assert driver.find_element("id", "strip-step").text == "2"
        assert console_errors(driver) == []
        shot = tmp_path / "report.png"
        driver.save_screenshot(str(shot))
        assert Image.open(shot).size[0] > 500
    finally:
        driver.quit()


def test_glyph_translators_take_typed_characters(tmp_path):
    from tests.test_glyphs_edges import HANZI, needs_cjk

    if needs_cjk.args[0]:
        pytest.skip("CJK fonts not installed")
    from gankit.presets import load_preset

    cfg = load_preset("pix2pix-glyphs", [f'data.glyphs.charset="{HANZI}"', "data.image_size=32",
                                         "nets.G.width=4", "nets.D.width=4", "nets.D.layers=2",
                                         "train.steps=1", "train.batch_size=2", "train.tensorboard=false"])
    run = tmp_path / "glyphs"
    train(cfg, run, progress=False)
    with Served(run) as app:
        code, answer = _post(f"{app.url}/api/translate-text", {"text": "永和九"})
        assert code == 200, answer
        assert _decode(answer["input"]).shape[1] == 3 * 32 + 4 * 2  # three glyphs in a row
        code, answer = _post(f"{app.url}/api/translate-text", {"text": "x" * 40})
        assert code == 400 and "at most 32 characters" in answer["error"]
