"""gankit presets: the shipped presets, a line each."""

from __future__ import annotations

import argparse


def add_parser(sub) -> None:
    sub.add_parser("presets", help="list the presets with a line on each")


def run(args: argparse.Namespace) -> None:
    from gankit.presets import describe_presets

    rows = describe_presets()
    width = max(len(name) for name, _ in rows)
    for name, description in rows:
        print(f"{name:<{width}}  {description}")
