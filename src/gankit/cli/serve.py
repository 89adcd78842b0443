"""gankit serve: a small web app to play with a trained model."""

from __future__ import annotations

import argparse


def add_parser(sub) -> None:
    p = sub.add_parser("serve", help="a web page to play with a trained model (needs gankit[web])",
                       description="Serve a page on which to draw samples from a seed (a class, an "
                       "interpolation between two seeds, with the latent shown) or translate an "
                       "uploaded image (or typed characters, for glyph models). Uploads are checked "
                       "(type, 8 MiB, 4096 x 4096 pixels). Binds to 127.0.0.1 unless --host says "
                       "otherwise. Needs starlette and uvicorn: pip install 'gankit[web]'.")
    p.add_argument("run", metavar="RUN|EXPORT")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8000)


def run(args: argparse.Namespace) -> None:
    from gankit.errors import GankitError

    try:
        import uvicorn

        from gankit.web.app import create_app
    except ImportError as err:
        raise GankitError(f"gankit serve needs {err.name}: pip install 'gankit[web]'") from None
    if not 0 < args.port < 65536:
        raise GankitError(f"--port must be in 1-65535, got {args.port}")
    app = create_app(args.run)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"gankit: warning: serving on {args.host}: other machines can reach this page")
    print(f"serving {args.run} on http://{args.host}:{args.port}/ (Ctrl-C stops)")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
