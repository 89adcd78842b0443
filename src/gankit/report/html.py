"""Rendering reports: jinja2 templates, every picture embedded as a data URI, so the HTML
file opens anywhere with no network and no files beside it."""

from __future__ import annotations

import base64
import csv
import time
from pathlib import Path

from gankit.report.collect import RunFacts, collect_run, eval_table
from gankit.report.plots import curves_png

TEMPLATES = Path(__file__).with_name("templates")


def data_uri(content: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(content).decode('ascii')}"


def _duration(seconds: float | None) -> str:
    if not seconds:
        return ""
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {secs:02d} s"


def _render(template: str, **values) -> str:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    from gankit import __version__

    return env.get_template(template).render(css=(TEMPLATES / "base.css").read_text(), version=__version__,
                                             written=time.strftime("%Y-%m-%d %H:%M"), **values)


def _curves(facts: RunFacts) -> str | None:
    png = curves_png(facts.metrics, facts.evals)
    return data_uri(png) if png else None


def write_run_report(run_dir: str | Path, out: str | Path | None = None) -> Path:
    """RUN/report.html (or `out`): config, provenance, curves, progress pictures, evaluations."""
    from gankit.io import write_text

    facts = collect_run(run_dir)
    pictures = [{"step": step, "uri": data_uri(path.read_bytes())} for step, path in facts.pictures]
    columns, rows = eval_table(facts.evals)
    html = _render("run.html.j2", run=facts, pictures=pictures, picture_list=pictures,
                   curves=_curves(facts), eval_columns=columns, eval_rows=rows,
                   duration=_duration(facts.train_seconds))
    path = Path(out) if out else facts.path / "report.html"
    write_text(path, html)
    return path


def write_compare_report(out_dir: str | Path, presets: list[str], title: str = "") -> Path:
    """OUT/report.html of a `gankit compare`: its summary table, the picture of every run,
    and each run's last picture and curves."""
    from gankit.io import write_text

    out_dir = Path(out_dir)
    columns, rows = [], []
    summary = out_dir / "summary.csv"
    if summary.is_file():
        with open(summary, newline="") as handle:
            table = list(csv.reader(handle))
        columns, rows = (table[0], table[1:]) if table else ([], [])
    runs = []
    for preset in presets:
        for run in sorted((out_dir / preset).glob("seed-*")):
            if not (run / "config.toml").is_file():
                continue
            facts = collect_run(run)
            last = facts.pictures[-1][1] if facts.pictures else None
            runs.append({"label": f"{preset}, {run.name}", "facts": facts, "curves": _curves(facts),
                         "picture": data_uri(last.read_bytes()) if last else None,
                         "duration": _duration(facts.train_seconds)})
    comparison = out_dir / "comparison.png"
    html = _render("compare.html.j2", title=title or ", ".join(presets), columns=columns, rows=rows,
                   comparison=data_uri(comparison.read_bytes()) if comparison.is_file() else None, runs=runs)
    path = out_dir / "report.html"
    write_text(path, html)
    return path
