"""Downloads with SHA-256 checks into the user cache, written atomically."""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from tqdm import tqdm

from gankit.errors import GankitError


def cache_dir() -> Path:
    """gankit's cache: $GANKIT_CACHE, else $XDG_CACHE_HOME/gankit, else ~/.cache/gankit."""
    if os.environ.get("GANKIT_CACHE"):
        return Path(os.environ["GANKIT_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "gankit"


def offline() -> bool:
    """True when GANKIT_OFFLINE is set: lookups never fall through to a download."""
    return os.environ.get("GANKIT_OFFLINE", "") not in ("", "0")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download(url: str, dest: Path, sha256: str, timeout: float = 30.0) -> Path:
    """Fetch `url` to `dest` unless a file with the right hash is already there.

    The body goes to a temporary file beside `dest`, is hashed on the way, and is renamed
    into place only when the SHA-256 matches. `sha256` may be a prefix of at least 8 hex
    digits (the convention of torch.hub file names) when the full digest is not published.
    """
    if len(sha256) < 8:
        raise ValueError("sha256 needs at least 8 hex digits")
    if dest.is_file() and sha256_of(dest).startswith(sha256):
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as resp:
            total = int(resp.headers.get("Content-Length") or 0) or None
            with tqdm(total=total, unit="B", unit_scale=True, desc=dest.name, leave=False) as bar:
                for chunk in iter(lambda: resp.read(1 << 16), b""):
                    out.write(chunk)
                    digest.update(chunk)
                    bar.update(len(chunk))
            out.flush()
            os.fsync(out.fileno())
        if not digest.hexdigest().startswith(sha256):
            raise GankitError(
                f"{url}: checksum mismatch (SHA-256 {digest.hexdigest()}, expected {sha256})"
            )
        os.replace(tmp, dest)
        return dest
    except (urllib.error.URLError, OSError, ValueError) as err:
        raise GankitError(f"download of {url} failed: {err}") from None
    finally:
        tmp.unlink(missing_ok=True)
