"""gankit export: a run's models as a self-describing folder that `gankit.load` reads."""

from __future__ import annotations

import argparse


def add_parser(sub) -> None:
    p = sub.add_parser("export", help="write a run's models into a self-describing folder",
                       description="Write RUN's latest models into a folder: model_index.json "
                       "(what each model does, its nets, latent size, classes, image shape) and, "
                       "per net, config.json (its constructor arguments) and model.safetensors "
                       "(EMA weights where kept). gankit.load(FOLDER) and every command that "
                       "takes a RUN read it without the training config or code.")
    p.add_argument("run", metavar="RUN")
    p.add_argument("--out", metavar="PATH", help="the folder to write (default: RUN/export); with "
                   "--format onnx|torchscript the file (default: RUN/deploy/MODEL.onnx or .torchscript.pt)")
    p.add_argument("--format", default="safetensors", choices=["safetensors", "onnx", "torchscript"],
                   help="safetensors: the folder gankit.load reads (default); onnx or torchscript: one "
                   "model with a dynamic batch size for other runtimes, checked against PyTorch's "
                   "outputs, its input/output convention in FILE.json")
    p.add_argument("--model", "--direction", dest="model", metavar="NAME",
                   help="onnx/torchscript: which model of the run (default: the first; CycleGAN: AB or BA)")
    p.add_argument("--no-ema", action="store_true", help="export the raw weights, not the EMA ones")


def run(args: argparse.Namespace) -> None:
    if args.format != "safetensors":
        from gankit.inference.deploy import export_deployable

        path, record = export_deployable(args.run, args.format, args.out, args.model, ema=not args.no_ema)
        checked = record["checked"]
        print(f"exported model {record['model']} of {args.run} to {path} (batch sizes "
              f"{checked['batch_sizes']} match PyTorch within {checked['max_abs_diff']:.1e}; "
              f"convention in {path.name}.json)")
        return
    from gankit.inference.exporter import export

    folder = export(args.run, args.out, ema=not args.no_ema)
    print(f"exported {args.run} to {folder}")
