"""gankit data: dataset utilities."""

from __future__ import annotations

import argparse


def add_parser(sub) -> None:
    p = sub.add_parser("data", help="dataset utilities")
    actions = p.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    fetch = actions.add_parser("fetch", help="download a dataset into the user cache "
                               "(checked against SHA-256)")
    fetch.add_argument("name", choices=["fashion-mnist", "mnist", "cifar10"])


def run(args: argparse.Namespace) -> None:
    from gankit.data import cifar, mnist

    if args.name == "cifar10":
        folder = cifar.fetch()
    else:
        folder = mnist.fetch(mnist.IDX_DATASETS[args.name])
    print(f"{args.name} is in {folder}")
