"""Export the directory as HSDS 3.0: a datapackage (folder or .zip of CSV files) or JSON.

Policy here, for every edge: the format follows the file name unless chosen; the folder the export goes into
must exist already (a typing mistake should not quietly make a new folder somewhere); `validate` checks the
written files against the HSDS 3.0 schemas.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ketdir.app.directory import Directory, reading
from ketdir.app.progress import Progress
from ketdir.problems import BadInput, Unavailable

FORMATS = ("datapackage", "json")


@dataclass
class ExportDone:
    path: Path
    format: str
    services: int
    counts: dict[str, int]
    validated: bool = False
    schema_problems: list[str] = field(default_factory=list)  # empty when valid (or not validated)

    def summary(self) -> str:
        return f"Exported {self.services:,} services to {self.path} ({self.format})."


def export_format(path: Path, fmt: str | None = None) -> str:
    """The format asked for, or the one the file name implies (.json: JSON; anything else: a datapackage)."""
    if fmt is None:
        return "json" if Path(path).suffix.lower() == ".json" else "datapackage"
    if fmt not in FORMATS:
        raise BadInput(f"“{fmt}” is not an export format; use one of {', '.join(FORMATS)}.")
    return fmt


def _check_destination(path: Path) -> None:
    parent = path.resolve().parent
    if not parent.is_dir():
        raise BadInput(f"The folder {parent} does not exist, so the export cannot go there. Make the folder first, "
                       "or choose another place. Nothing was written.")
    if path.is_file() and path.suffix.lower() not in (".zip", ".json"):
        raise BadInput(f"{path} is a file; a datapackage export is a folder (or a .zip). Choose a folder name or a "
                       ".zip file. Nothing was written.")


def export_directory(directory: Directory, path: Path | str, fmt: str | None = None, *, validate: bool = False,
                     progress: Progress | None = None) -> ExportDone:
    """Write the directory as HSDS 3.0 to `path`; with `validate`, check what was written."""
    from ketdir.interop.export import export_datapackage, export_json

    path = Path(path)
    fmt = export_format(path, fmt)
    _check_destination(path)
    progress = progress or Progress()
    progress.step("Exporting", 0, 0)

    def report(fraction: float, message: str) -> None:
        progress.step(message, int(fraction * 1000), 1000)

    try:
        with reading(directory) as session:
            if fmt == "json":
                report_ = export_json(session, path)
            else:
                report_ = export_datapackage(session, path, progress=report)
    except OSError as exc:
        raise Unavailable(f"Could not write {exc.filename or path}: {exc.strerror or exc}. Check there is space and "
                          "that you may write there, or choose another place.") from exc
    done = ExportDone(report_.path, fmt, report_.services, report_.counts)
    if validate:
        from ketdir.interop.schema_check import check_datapackage, check_json_file

        progress.step("Checking against the HSDS 3.0 schemas", 0, 0)
        problems = check_json_file(done.path) if fmt == "json" else check_datapackage(done.path)
        done.validated = True
        done.schema_problems = [str(p) for p in problems]
    return done
