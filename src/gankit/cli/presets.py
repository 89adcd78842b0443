"""gankit presets [NAME]: the shipped presets a line each, or one preset's resolved config."""

from __future__ import annotations

import argparse


def add_parser(sub) -> None:
    p = sub.add_parser("presets", help="list the presets, or print one's resolved config",
                       description="Without NAME: every shipped preset with a line on it. With "
                       "NAME (a preset or a .toml path): its whole resolved config as TOML, every "
                       "default filled in; with --keys, every key --set can change, its value "
                       "and what it does.")
    p.add_argument("name", nargs="?", metavar="NAME")
    p.add_argument("--keys", action="store_true", help="list the keys of NAME's config")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                   help="apply overrides first (repeatable)")


def run(args: argparse.Namespace) -> None:
    from gankit.config import config_keys, to_toml
    from gankit.errors import GankitError
    from gankit.presets import describe_presets, load_preset

    if args.name is None:
        if args.keys or args.set:
            raise GankitError("--keys and --set need a preset NAME")
        rows = describe_presets()
        width = max(len(name) for name, _ in rows)
        for name, description in rows:
            print(f"{name:<{width}}  {description}")
        return
    cfg = load_preset(args.name, args.set)
    if not args.keys:
        print(to_toml(cfg), end="")
        return
    rows = [(key, repr_value(value), help_text) for key, help_text, value in config_keys(cfg)]
    width = max(len(k) for k, _, _ in rows)
    for key, value, help_text in rows:
        print(f"{key:<{width}}  {value:<12}  {help_text}")


def repr_value(value) -> str:
    import json

    return json.dumps(value) if isinstance(value, (str, list, dict, bool)) else str(value)
