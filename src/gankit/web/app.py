"""The web app of `gankit serve`: Starlette routes on gankit's public API only (gankit.load,
Sampler, Translator). Samplers: a grid from a seed (a class), an interpolation between two
seeds, with the latent shown; translators: an uploaded image, or typed characters for glyph
models, translated. Every input is checked (gankit.web.checks); errors are one line."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import numpy as np
import torch

from gankit.errors import GankitError
from gankit.web import checks

PAGE = Path(__file__).with_name("page.html")


def png_uri(images: torch.Tensor, nrow: int | None = None) -> str:
    """Images (N, C, H, W in [-1, 1]) as one PNG grid in a data URI."""
    from PIL import Image

    from gankit.images import make_grid, to_uint8

    grid = make_grid(to_uint8(images), nrow)
    picture = Image.fromarray(grid[..., 0] if grid.shape[-1] == 1 else grid)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


class Models:
    """The models of one run or export, loaded once, with what the page needs to know."""

    def __init__(self, path: str | Path) -> None:
        from gankit.inference import Sampler, Translator, load
        from gankit.inference.folder import ModelFolder

        self.folder = ModelFolder.open(path)
        self.loaded: dict[str, Any] = {}
        self.info: dict[str, dict[str, Any]] = {}
        for name, entry in self.folder.index.get("models", {}).items():
            if entry.get("kind") not in ("sampler", "translator"):
                continue
            model = load(path, model=name)
            self.loaded[name] = model
            if isinstance(model, Sampler):
                self.info[name] = {"kind": "sampler", "latent_dim": model.latent_dim,
                                   "num_classes": model.num_classes, "points": model.points,
                                   "shape": list(model.output_shape)}
            elif isinstance(model, Translator):
                self.info[name] = {"kind": "translator", "shape": list(model.source_shape),
                                   "num_styles": model.num_styles, "text": bool(entry.get("glyph_input"))}
        if not self.loaded:
            raise GankitError(f"{path} holds no sampler or translator to serve")

    def get(self, name: str | None, kind: str) -> tuple[str, Any]:
        names = [n for n, i in self.info.items() if i["kind"] == kind]
        if not names:
            raise GankitError(f"this model folder has no {kind}")
        name = name or names[0]
        if name not in names:
            raise GankitError(f"model: no {kind} named {str(name)[:40]!r} (there are {', '.join(names)})")
        return name, self.loaded[name]


def sample(models: Models, values: dict[str, Any]) -> dict[str, Any]:
    from gankit.sampling import latents

    name, sampler = models.get(values.get("model"), "sampler")
    if sampler.points:
        raise GankitError("this sampler draws 2-D points, not images")
    seed = checks.integer(values, "seed", 0, 0, checks.MAX_SEED)
    n = checks.integer(values, "n", 16, 1, checks.MAX_SAMPLES)
    label = checks.optional_class(values, sampler.num_classes)
    labels = sampler.labels(n, label)
    images = sampler.sample(n, seed, labels)
    z = latents(n, sampler.latent_dim, seed)[0]
    return {"model": name, "image": png_uri(images), "n": n, "seed": seed,
            "latent": [round(float(v), 4) for v in z], "labels": None if labels is None else labels.tolist()}


def interpolate(models: Models, values: dict[str, Any]) -> dict[str, Any]:
    from gankit.sampling import generate, latents

    name, sampler = models.get(values.get("model"), "sampler")
    start = checks.integer(values, "seed_a", 0, 0, checks.MAX_SEED)
    end = checks.integer(values, "seed_b", 1, 0, checks.MAX_SEED)
    steps = checks.integer(values, "steps", 8, 2, checks.MAX_STEPS)
    label = checks.optional_class(values, sampler.num_classes)
    z0, z1 = latents(1, sampler.latent_dim, start), latents(1, sampler.latent_dim, end)
    t = torch.linspace(0, 1, steps)[:, None]
    z = torch.lerp(z0, z1, t)
    labels = None
    if sampler.conditional:
        labels = torch.full((steps,), 0 if label is None else label)
    images = generate(sampler.generator, z, labels=labels)
    return {"model": name, "image": png_uri(images, nrow=steps), "steps": steps}


def _style(values: dict[str, Any], translator) -> torch.Tensor | None:
    if translator.num_styles is None:
        return None
    return torch.tensor([checks.integer(values, "style", 0, 0, translator.num_styles - 1)])


def translate_image(models: Models, values: dict[str, Any], upload: bytes) -> dict[str, Any]:
    name, translator = models.get(values.get("model"), "translator")
    x = checks.uploaded_image(upload, translator.source_shape)
    style = _style(values, translator)
    y = translator.translate(x, style=style)
    return {"model": name, "input": png_uri(x), "output": png_uri(y)}


def translate_text(models: Models, values: dict[str, Any]) -> dict[str, Any]:
    from gankit.data.fonts import resolve_font
    from gankit.data.glyphs import render_font

    name, translator = models.get(values.get("model"), "translator")
    spec = models.folder.index["models"][name].get("glyph_input")
    if not spec:
        raise GankitError(f"model {name} was not trained on glyphs: upload an image instead")
    chars = checks.text(values)
    glyphs, available, _ = render_font(resolve_font(spec["font"]), chars, spec["size"], spec["margin"])
    missing = [c for c, ok in zip(chars, available, strict=True) if not ok]
    if missing:
        raise GankitError(f"text: the font {spec['font']} has no glyph for {''.join(missing)[:10]!r}")
    x = torch.from_numpy(glyphs.astype(np.float32) / 127.5 - 1.0)[:, None]
    style = _style(values, translator)
    y = translator.translate(x, style=None if style is None else style.expand(len(x)))
    return {"model": name, "input": png_uri(x, nrow=len(x)), "output": png_uri(y, nrow=len(x))}


def create_app(path: str | Path):
    """The Starlette application serving the models of `path` (a run or an export)."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse
    from starlette.routing import Route

    models = Models(path)

    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE.read_text())

    async def info(request: Request) -> JSONResponse:
        return JSONResponse({"source": str(path), "models": models.info})

    def endpoint(handler, upload: bool = False):
        async def run(request: Request) -> JSONResponse:
            try:
                if upload:
                    form = await request.form(max_files=1, max_fields=8)
                    file = form.get("image")
                    if file is None or isinstance(file, str):
                        raise GankitError("image: attach one image file")
                    data = await file.read(checks.MAX_UPLOAD_BYTES + 1)
                    return JSONResponse(handler(models, dict(form), data))
                try:
                    values = await request.json()
                except ValueError:
                    raise GankitError("the request body is not JSON") from None
                if not isinstance(values, dict):
                    raise GankitError("the request body must be a JSON object")
                return JSONResponse(handler(models, values))
            except GankitError as err:
                return JSONResponse({"error": str(err)}, status_code=400)
            except Exception as err:  # the multipart parser's refusals (too many files or fields)
                return JSONResponse({"error": f"bad request ({type(err).__name__})"}, status_code=400)
        return run

    routes = [Route("/", page), Route("/api/info", info),
              Route("/api/sample", endpoint(sample), methods=["POST"]),
              Route("/api/interpolate", endpoint(interpolate), methods=["POST"]),
              Route("/api/translate", endpoint(translate_image, upload=True), methods=["POST"]),
              Route("/api/translate-text", endpoint(translate_text), methods=["POST"])]
    return Starlette(routes=routes)
