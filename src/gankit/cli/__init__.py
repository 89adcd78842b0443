"""Command line: argument parsing only, one module per command; the work is done by the
Python API. Every mistake a user can make ends in one line `gankit: error: ...`."""

from __future__ import annotations

import argparse
import sys

from gankit.cli import (
    compare,
    data,
    eval,
    export,
    interpolate,
    presets,
    report,
    sample,
    serve,
    train,
    translate,
)
from gankit.errors import GankitError, TrainingInterrupted

COMMANDS = {"train": train, "sample": sample, "interpolate": interpolate, "translate": translate,
            "eval": eval, "export": export, "compare": compare, "report": report, "serve": serve,
            "presets": presets, "data": data}

EPILOG = """examples:
  gankit presets
  gankit train --preset dcgan-fashion-mnist --out runs/dcgan
  gankit train --preset dcgan-fashion-mnist --out runs/quick --steps 500 --set optim.lr.G=1e-4
  gankit train --resume runs/dcgan --steps 6000
  gankit sample runs/dcgan --n 1000 --out samples.npz --grid samples.png
  gankit interpolate runs/dcgan --out walk.png
  gankit export runs/dcgan --out exports/dcgan
  gankit compare gan-grid25 pacgan-grid25 --seeds 3 --out runs/lab
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gankit", description="Train, sample and evaluate GANs.", epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    from gankit import __version__

    parser.add_argument("--version", action="version", version=f"gankit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS.values():
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from gankit.logs import setup_cli_logging

    args = build_parser().parse_args(argv)
    setup_cli_logging()
    try:
        COMMANDS[args.command].run(args)
    except TrainingInterrupted as err:
        print(f"gankit: stopped: {err}", file=sys.stderr)
        return err.exit_code
    except GankitError as err:
        print(f"gankit: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("gankit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`gankit presets NAME | head`): stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as err:  # a file-system refusal no module turned into its own line
        if err.filename is None:
            raise
        from gankit.io import describe_os_error

        print(f"gankit: error: {describe_os_error(err, err.filename, 'using')}", file=sys.stderr)
        return 1
    finally:
        if "gankit.runtime.distributed" in sys.modules:  # a torchrun process group was joined
            sys.modules["gankit.runtime.distributed"].close_world()
    return 0
