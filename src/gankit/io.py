"""Every file gankit writes goes through here: into a temporary file beside the target,
fsynced, then renamed over it, so a crash, a kill or a full disk never leaves a half-written
file where a good one was. OS errors become one line naming the file and the cause."""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from gankit.errors import GankitError


def describe_os_error(err: OSError, path: Path | str, doing: str = "writing") -> str:
    """One line for an OS error while `doing` `path`."""
    path = Path(path)
    if err.errno == errno.ENOSPC:
        return f"no space left on the device of {path.parent} while {doing} {path.name}"
    if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"permission denied while {doing} {path} (read-only folder or file system?)"
    if err.errno == errno.ENAMETOOLONG:
        return f"{path.name[:60]}...: the file name is longer than the file system allows"
    if err.errno == errno.ENOTDIR:
        return f"{path}: a part of this path is a file, not a folder"
    if err.errno == errno.EISDIR:
        return f"{path} is a folder; give a file name"
    return f"{path}: {err.strerror or err} (while {doing})"


def prepare_parent(path: Path) -> None:
    """Make `path`'s folder; one line when a part of it is a file or cannot be made."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:  # some part of the folder path is a regular file
        blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), path.parent)
        raise GankitError(f"{path}: {blocker} is a file, not a folder") from None
    except OSError as err:
        raise GankitError(describe_os_error(err, path, "making the folder of")) from None


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "wb") -> Iterator[IO]:
    """Open a temporary file for `path`; on success it replaces `path`, on any failure it
    is removed and `path` is left as it was."""
    path = Path(path)
    if path.is_dir():
        raise GankitError(f"{path} is a folder; give a file name")
    prepare_parent(path)
    tmp = path.parent / f".{path.name[:200]}.tmp-{os.getpid()}"
    try:
        with open(tmp, mode, **({} if "b" in mode else {"newline": ""})) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as err:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise GankitError(describe_os_error(err, path)) from None
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_text(path: str | Path, text: str) -> None:
    with atomic_write(path, "w") as handle:
        handle.write(text)


def write_bytes(path: str | Path, data: bytes) -> None:
    with atomic_write(path, "wb") as handle:
        handle.write(data)


def append_line(path: str | Path, line: str) -> None:
    """Append one line in a single write (readers skip a line a crash cut short)."""
    path = Path(path)
    try:
        with open(path, "a") as handle:
            handle.write(line.rstrip("\n") + "\n")
    except OSError as err:
        raise GankitError(describe_os_error(err, path, "appending to")) from None


def read_json_lines(path: str | Path) -> list:
    """The JSON values of a JSON-lines file ([] when absent), skipping a line a crash cut short."""
    import json

    path = Path(path)
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text(errors="replace").splitlines():
        try:
            rows.append(json.loads(line))
        except ValueError:
            continue
    return rows


IMAGE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP", ".bmp": "BMP"}


def image_format(path: str | Path) -> str:
    """The PIL format of a picture file name, or one line naming the ones gankit writes."""
    suffix = Path(path).suffix.lower()
    if suffix not in IMAGE_FORMATS:
        raise GankitError(f"{path}: a picture must end in {', '.join(IMAGE_FORMATS)}")
    return IMAGE_FORMATS[suffix]
