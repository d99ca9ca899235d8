"""The one output rule: where effekt may write, and how it writes there.

Every function in effekt that writes goes through this module.

**Folders** (a study's output, the synthetic record tables): effekt writes into a folder
only when it is absent, empty, or an earlier effekt output of the same kind, marked by the
manifest ``.effekt-output.json`` that effekt writes there and that lists every file it
wrote. Anything else (a folder of the user's files, an earlier output of another kind or
one to which files were added, a protected path such as a study's data folder or spec) is
refused with a :class:`~effekt.errors.SpecError` naming the folder and why, and nothing is
touched. There is no option to write into a folder of files effekt did not write.

The new output is written into a temporary folder beside the target,
``.<name>.<random>.tmp``, and swapped in when complete: on Linux with one atomic exchange
(``renameat2(RENAME_EXCHANGE)``), so that the target is never missing; elsewhere by moving
the old aside (``.<name>.<random>.old``), moving the new in, and moving the old back if
that fails. The old output is then deleted. A temporary folder left by a killed run is
deleted by the next run into the same target, but only a folder named so and holding
effekt's manifest.

**Files** (a workbook, a table): an existing file is replaced only when the caller asks
(``overwrite=True`` in Python, ``--force`` on the command line); a folder is never replaced
by a file. A file is written to a temporary file beside it and moved into place with
:func:`os.replace`, so a reader never sees a half-written file.

Folders effekt creates get the mode ``0o777 & ~umask`` and files ``0o666 & ~umask``.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from effekt.errors import SpecError

__all__ = [
    "MARKER",
    "atomic_write",
    "atomic_write_text",
    "check_output_file",
    "check_output_folder",
    "output_folder",
]

MARKER = ".effekt-output.json"
"""The manifest that marks a folder as effekt's output: its kind and the files written."""

Protected = Mapping[str, "str | os.PathLike[str]"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _read_marker(folder: Path) -> dict | None:
    """Return the manifest of ``folder``, or None when it has none (or no readable one)."""
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    ok = (isinstance(marker, dict) and isinstance(marker.get("kind"), str)
          and isinstance(marker.get("files"), list))
    return marker if ok else None


def _write_marker(folder: Path, kind: str) -> None:
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                   if (p.is_symlink() or not p.is_dir()) and p != folder / MARKER)
    marker = {"kind": kind, "files": files,
              "note": "written by effekt, which replaces this folder as a whole on its "
                      "next run into it; add no files of your own here"}
    (folder / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")


def _refuse_protected(target: Path, what: str, shown: str, protect: Protected) -> None:
    for name, path in protect.items():
        p = Path(path).resolve()
        if target == p:
            raise SpecError(f"{what} {shown} is {name}; effekt never writes over it. "
                            "Choose another path.")
        if target in p.parents:
            raise SpecError(f"{what} {shown} holds {name}; effekt never writes over it. "
                            "Choose another folder.")
        if p in target.parents and p.is_dir():
            raise SpecError(f"{what} {shown} is inside {name}; effekt never writes there. "
                            "Choose another folder.")


def check_output_folder(path: str | os.PathLike[str], kind: str, *,
                        protect: Protected | None = None) -> Path:
    """Check that effekt may write the output folder ``path``; touch nothing.

    Parameters
    ----------
    path : str or path-like
        The output folder.
    kind : str
        The kind of output, e.g. ``"study"`` or ``"synthetic"``: an earlier output is
        replaced only by one of the same kind.
    protect : mapping of str to path, optional
        Paths the output may not be, hold or lie inside, by what they are (e.g.
        ``{"the study's data folder": folder}``).

    Returns
    -------
    pathlib.Path
        The folder, resolved.

    Raises
    ------
    SpecError
        The folder is a file, holds anything but an earlier effekt output of ``kind``, or
        is, holds or lies inside a protected path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = (pathlib.Path(d) / "notes.txt").write_text("mine")
    ...     try:
    ...         check_output_folder(d, "study")
    ...     except SpecError as err:
    ...         print(str(err).replace(d, "D"))
    output folder D is not empty and not an effekt output: it holds 1 file or folder effekt \
did not write. effekt writes only into a new or empty folder or its own earlier output; \
choose another folder.
    """
    target, shown = Path(path).resolve(), str(path)
    _refuse_protected(target, "output folder", shown, protect or {})
    if not target.exists():
        return target
    if not target.is_dir():
        raise SpecError(f"output folder {shown} is a file, not a folder; choose another path.")
    marker = _read_marker(target)
    if marker is None:
        n = sum(1 for _ in target.iterdir())
        if n == 0:
            return target
        raise SpecError(
            f"output folder {shown} is not empty and not an effekt output: it holds {n} "
            f"{'files or folders' if n > 1 else 'file or folder'} effekt did not write. effekt "
            "writes only into a new or empty folder or its own earlier output; choose "
            "another folder.")
    if marker["kind"] != kind:
        raise SpecError(f"output folder {shown} is an effekt {marker['kind']} output, not a "
                        f"{kind} output; choose another folder.")
    foreign = [p for p in target.rglob("*") if (p.is_symlink() or not p.is_dir())
               and p.relative_to(target).as_posix() not in [MARKER, *marker["files"]]]
    if foreign:
        n = len(foreign)
        raise SpecError(
            f"output folder {shown} is an earlier effekt {kind} output, but it also holds "
            f"{n} file{'s' if n > 1 else ''} effekt did not write, which replacing it would "
            "delete; move them out or choose another folder.")
    return target


def _clean_stale(target: Path) -> None:
    """Delete the temporary folders of earlier runs into ``target`` that were left behind."""
    pattern = re.compile(rf"\.{re.escape(target.name)}\.[a-z0-9_]{{8}}\.(tmp|old)")
    for p in target.parent.iterdir():
        if (pattern.fullmatch(p.name) and p.is_dir() and not p.is_symlink()
                and _read_marker(p) is not None):
            shutil.rmtree(p, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2``); False where that is unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):  # not on this file system
        return False
    raise OSError(err, os.strerror(err), str(b))


def _swap(new: Path, target: Path) -> None:
    """Put the folder ``new`` in place of ``target``; ``target`` is never missing on Linux."""
    if not target.exists():
        os.rename(new, target)
        return
    if _exchange(new, target):
        shutil.rmtree(new, ignore_errors=True)  # now the old output; a rest is stale, cleaned
        return
    old = new.with_suffix(".old")
    os.rename(target, old)
    try:
        os.rename(new, target)
    except BaseException:
        os.rename(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


@contextmanager
def output_folder(path: str | os.PathLike[str], kind: str, *,
                  protect: Protected | None = None) -> Iterator[Path]:
    """Write an output folder by the one output rule: yield a temporary folder to fill.

    Checks ``path`` with :func:`check_output_folder` (before anything is written, and again
    before the swap), deletes effekt's stale temporary folders of ``path``, yields a new
    temporary folder beside ``path`` and, when the block ends without an error, writes the
    manifest and swaps the folder in for ``path``. On an error the temporary folder is
    deleted and ``path`` is left as it was.

    Parameters
    ----------
    path : str or path-like
        The output folder.
    kind : str
        The kind of output, e.g. ``"study"`` or ``"synthetic"``.
    protect : mapping of str to path, optional
        Paths the output may not be, hold or lie inside (see :func:`check_output_folder`).

    Yields
    ------
    pathlib.Path
        The temporary folder to write into.

    Raises
    ------
    SpecError
        When :func:`check_output_folder` refuses ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     out = pathlib.Path(d) / "out"
    ...     for text in ("first", "second"):  # the second run replaces the first
    ...         with output_folder(out, "example") as tmp:
    ...             _ = (tmp / "a.txt").write_text(text)
    ...     (out / "a.txt").read_text(), sorted(p.name for p in pathlib.Path(d).iterdir())
    ('second', ['out'])
    """
    target = check_output_folder(path, kind, protect=protect)
    target.parent.mkdir(parents=True, exist_ok=True)
    _clean_stale(target)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
    try:
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it 0700
        _write_marker(tmp, kind)  # at once, so that a killed run's folder is known as ours
        yield tmp
        _write_marker(tmp, kind)
        check_output_folder(path, kind, protect=protect)
        _swap(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def check_output_file(path: str | os.PathLike[str], *, overwrite: bool = False,
                      protect: Protected | None = None) -> Path:
    """Check that effekt may write the file ``path``; touch nothing.

    Parameters
    ----------
    path : str or path-like
        The file.
    overwrite : bool
        Allow replacing an existing file (``--force`` on the command line).
    protect : mapping of str to path, optional
        Paths the file may not be (e.g. ``{"the input workbook": path_in}``), even with
        ``overwrite=True``.

    Returns
    -------
    pathlib.Path
        The file's path as given.

    Raises
    ------
    SpecError
        The path is a folder or protected, or an existing file without ``overwrite=True``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "t.csv"
    ...     _ = p.write_text("mine")
    ...     check_output_file(p, overwrite=True) == p
    True
    """
    target, shown = Path(path), str(path)
    _refuse_protected(target.resolve(), "output file", shown, protect or {})
    if target.is_dir():
        raise SpecError(f"output file {shown} is a folder; give a file name.")
    if target.exists() and not overwrite:
        raise SpecError(f"output file {shown} exists; effekt replaces a file only when asked "
                        "(--force, or overwrite=True in Python). Nothing was written.")
    return target


def atomic_write(path: str | os.PathLike[str], write: Callable[[Path], object], *,
                 overwrite: bool = False) -> Path:
    """Call ``write(tmp)`` on a temporary path beside ``path``, then move it into place.

    The path is first checked with :func:`check_output_file`. The file gets the usual
    permissions (0666 less the umask), not ``mkstemp``'s 0600; a missing parent folder is
    created (0777 less the umask).

    Parameters
    ----------
    path : str or path-like
        The file to write.
    write : callable
        Called with the temporary path; writes the content there.
    overwrite : bool
        Allow replacing an existing file.

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = atomic_write(pathlib.Path(d) / "a.txt", lambda t: t.write_text("hi"))
    ...     p.read_text()
    'hi'
    """
    target = check_output_file(path, overwrite=overwrite)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return target


def atomic_write_text(path: str | os.PathLike[str], text: str, *,
                      overwrite: bool = False) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically (see :func:`atomic_write`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     atomic_write_text(pathlib.Path(d) / "a.txt", "hi").read_text()
    'hi'
    """
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"),
                        overwrite=overwrite)
