"""Import a directory: check it (what would change, and what is wrong with the input), then apply it.

The window's import dialog and `ketdir import` both call `check_import` then `apply_import`, so they cannot
drift apart. Checking writes nothing anywhere: against a directory that does not exist yet it plans against
an empty scratch one, so a refused import or a dry run leaves no file (and no tables on a server). Applying is
one transaction: it happens completely, or (cancelled, failed, refused) not at all.

The input is a path (read here) or a `Dataset` already read by someone else (e.g. from a URL), so other readers
can feed the same pipeline.
"""
from __future__ import annotations

import contextlib
import csv
import dataclasses
import datetime as dt
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ketdir.app.directory import Directory, open_directory, reading
from ketdir.app.progress import Progress
from ketdir.csvsafe import neutralise
from ketdir.store.times import local_time
from ketdir.interop.apply import ImportPlan, TableChanges, plural
from ketdir.interop.dataset import LABELS, TABLE_ORDER, Dataset, Problem, UnmappedTerm
from ketdir.interop.gcpause import gc_paused
from ketdir.interop.read_spreadsheet import ColumnMapping
from ketdir.interop.stage import StagedImport
from ketdir.problems import BadInput, Refused, Unavailable

Target = Directory | str | os.PathLike | None  # an open directory, or where one is (or will be)


class BundledDirectory(Refused):
    """The bundled training directory is rebuilt from data/, never imported into."""

    exit_code = 2


BUNDLED_REFUSAL = (
    "resources.db is the bundled training directory, rebuilt from data/ by `ketdir build-db`: an import into it "
    "would be lost. Import into a directory file of your own instead: ketdir --db my-directory.db import PATH "
    "(it is made if missing), then open that file."
)


@dataclass(frozen=True)
class TermChoice:
    """A person's own need type for a foreign taxonomy term (as a row of data/taxonomy_map.csv)."""

    taxonomy: str  # "*": any taxonomy
    term: str  # its code, or its name
    need: str


@dataclass
class ImportOptions:
    format: str = "auto"  # one of ketdir.interop.load.FORMATS
    mapping: ColumnMapping | None = None  # for spreadsheets: which column is which field
    source: str | None = None  # the source's name; the same name on re-import updates those records
    overwrite_conflicts: bool = False  # also update services edited here since the last import
    encoding: str | None = None  # of CSV files (a datapackage's or a spreadsheet's); None: detect
    delimiter: str | None = None  # spreadsheets: the one character between cells; None: detect
    rows: str = "stop"  # spreadsheets: rows that fail (and repeated services) "stop", or "skip", or "keep-first"
    checked_on: dt.date | None = None  # spreadsheets: when a person last checked the rows (where no column says)
    terms: list[TermChoice] = field(default_factory=list)  # need types for terms the bundled map leaves out


@dataclass
class ImportCheck:
    """What importing would do, and what is wrong with the input (errors block it; warnings do not)."""

    path: str
    format: str
    source: str
    target: str  # the directory, as shown to people
    counts: dict[str, int]
    problems: list[Problem]
    plan: ImportPlan | None  # None when errors block the import
    refusal: str = ""  # why this directory does not take imports ("" when it does)
    options: ImportOptions = field(default_factory=ImportOptions)
    dataset: Dataset | None = field(default=None, repr=False)
    staged: StagedImport | None = field(default=None, repr=False)  # a large package, kept on disk
    applied: bool = False
    note: str = ""  # something to say about the input as a whole

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    @property
    def can_apply(self) -> bool:
        return self.plan is not None and not self.refusal and not self.applied

    @property
    def unmapped_terms(self) -> list[UnmappedTerm]:
        if self.staged is not None:
            return self.staged.unmapped_terms
        return self.dataset.unmapped_terms if self.dataset is not None else []

    @property
    def rows_left_out(self) -> int:
        return sum(1 for p in self.problems if p.code == "left-out")

    @property
    def rows_failing(self) -> bool:
        """Rows of a spreadsheet stop the import: leaving them out (or keeping the first) would let the rest in."""
        return self.format == "spreadsheet" and any(
            p.code in ("duplicate-id", "row", "required", "bad-value") and isinstance(p.row, int) for p in self.errors)

    @property
    def nothing_to_change(self) -> bool:
        return self.plan is not None and not self.plan.has_changes and not self.plan.conflicts

    def read_line(self) -> str:
        counts = ", ".join(f"{n:,} {LABELS[t] if n == 1 else plural(LABELS[t])}" for t, n in self.counts.items())
        return f"Read {self.path} ({self.format}): {counts or 'nothing'}."

    def lines(self) -> list[str]:
        """What would change, for people; then what stands in the way, if anything."""
        if self.plan is None:
            out = [f"{len(self.errors):,} problem(s) stop this import. Nothing was changed; correct the file and "
                   "check it again."]
            if self.rows_failing:
                out.append("Or import the other rows: leave out the rows with problems, or keep the first of rows "
                           "that repeat a service (ketdir import --rows skip or --rows keep-first; in the window, "
                           "“Rows with problems”).")
            return out
        out = self.plan.lines()
        if self.note:
            out.append(self.note)
        if self.rows_left_out:
            out.append(f"{self.rows_left_out:,} row(s) of the sheet are left out (listed with the warnings).")
        if self.unmapped_terms:
            out.append(f"{len(self.unmapped_terms):,} taxonomy term(s) map to no need type (listed with the warnings); "
                       "services found only by them will not be found by need type.")
        if self.nothing_to_change:
            out.append("Nothing to change: the directory already matches the source.")
        elif not self.plan.has_changes:
            out.append(f"Nothing to change except the {len(self.plan.conflicts):,} service(s) in conflict, which "
                       "keep the edits made here.")
        if self.refusal:
            out.append(self.refusal)
        return out


@dataclass
class ImportDone:
    """What the import changed."""

    source: str
    target: str
    new: int
    changed: int
    retired: int  # no longer in the source
    conflicts: int
    seconds: float
    lines: list[str]
    returned: int = 0  # retired by an earlier import, listed again

    def summary(self) -> str:
        back = f"{self.returned:,} active again (back in the source), " if self.returned else ""
        return (f"Imported “{self.source}” into {self.target}: {self.new:,} new, {self.changed:,} updated, "
                f"{self.retired:,} retired (no longer in the source), {back}{self.conflicts:,} conflict(s) kept as "
                f"edited here, in {self.seconds:.1f} s.")


# --------------------------------------------------------------------------------------------- policy


def _url(target: Target) -> str:
    from ketdir.store.engine import resolve_url

    return target.url if isinstance(target, Directory) else resolve_url(target)


def target_refusal(target: Target) -> str:
    """Why this directory does not take imports ("" when it does)."""
    from ketdir.paths import bundled_db
    from ketdir.store.engine import resolve_url

    return BUNDLED_REFUSAL if _url(target) == resolve_url(bundled_db()) else ""


def refuse_unimportable(target: Target) -> None:
    """Raise BundledDirectory before any work when the directory does not take imports."""
    refusal = target_refusal(target)
    if refusal:
        raise BundledDirectory(refusal)


def load_mapping(path: Path | str) -> ColumnMapping:
    """A saved column mapping; BadInput when the file is not one."""
    try:
        return ColumnMapping.load(path)
    except ValueError as exc:
        raise BadInput(str(exc)) from None


def _no_directory_yet(url: str) -> bool:
    """Nothing there yet: a SQLite file not made, or a database on a server with no tables in it (made by the
    server's owner for ketdir to fill). A check must leave either exactly so."""
    if url.startswith("sqlite:///"):
        return not Path(url[len("sqlite:///"):]).exists()
    from sqlalchemy import inspect
    from sqlalchemy.exc import DatabaseError, InterfaceError, OperationalError

    from ketdir.store.engine import database_problem, make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return not inspect(conn).get_table_names()
    except (OperationalError, DatabaseError, InterfaceError) as exc:
        raise database_problem(exc, url) from exc  # unreachable, wrong password...: the same message as opening
    finally:
        engine.dispose()


@contextlib.contextmanager
def _opened(target: Target, *, create: bool) -> Iterator[Directory]:
    """The directory: the one given (left open), or opened here and closed afterwards."""
    if isinstance(target, Directory):
        yield target
        return
    directory = open_directory(target, create=create)
    try:
        yield directory
    finally:
        directory.close()


@contextlib.contextmanager
def _planning_directory(target: Target) -> Iterator[tuple[Directory, bool]]:
    """Where to plan, and whether it is new: the directory, or an empty scratch one when it does not exist
    yet (so nothing is made)."""
    if isinstance(target, Directory) or not _no_directory_yet(_url(target)):
        with _opened(target, create=False) as directory:
            yield directory, False
        return
    with tempfile.TemporaryDirectory(prefix="ketdir-check-") as scratch:
        directory = open_directory(Path(scratch) / "empty.db", create=True)
        try:
            yield directory, True
        finally:
            directory.close()


# --------------------------------------------------------------------------------------------- the work


def read_input(path: Path | str, options: ImportOptions, target: Target = None,
               progress: Progress | None = None) -> Dataset:
    """Read a file or folder into a Dataset (what is wrong with it is in dataset.problems); an http(s) address
    is a published Open Referral UK API (ketdir.app.published: FeedProblem when it cannot be read whole)."""
    from ketdir.app.published import looks_like_url, read_published
    from ketdir.interop.load import detect_format, read_any

    if isinstance(path, str) and looks_like_url(path):
        return read_published(target, path, source=options.source, progress=progress)
    path = Path(path)
    mapping = options.mapping
    spreadsheet = options.format == "spreadsheet" or (
        options.format == "auto" and path.is_file() and detect_format(path) == "spreadsheet")
    if spreadsheet and (options.delimiter or options.checked_on):
        mapping = mapping or ColumnMapping()
        if options.delimiter:
            mapping = dataclasses.replace(mapping, delimiter=options.delimiter)
        if options.checked_on:
            mapping = dataclasses.replace(mapping, constants={**mapping.constants,
                                                              "assured_date": options.checked_on.isoformat()})
    return read_any(path, options.format, mapping=mapping if spreadsheet or mapping else None,
                    source=options.source, encoding=options.encoding, rows=options.rows if spreadsheet else "stop")


def taxonomy_map_for(options: ImportOptions):
    """The bundled map of foreign terms to need types, with the person's own choices added."""
    from ketdir.interop.taxonomy_map import TaxonomyMap, load_taxonomy_map

    bundled = load_taxonomy_map()
    if not options.terms:
        return bundled
    extra = TaxonomyMap(file="your terms")
    for choice in options.terms:
        extra.add(choice.taxonomy, choice.term, choice.need)
    return bundled.merged(extra)


def load_terms(path: Path | str) -> list[TermChoice]:
    """A terms file (taxonomy,code_or_term,need — as written by write_unmapped_terms, with the needs filled
    in); BadInput naming the row when it cannot be used."""
    from ketdir.interop.taxonomy_map import parse_taxonomy_map

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"The terms file {path} cannot be read ({exc}). Save it as UTF-8 CSV and try again.") from None
    parsed = parse_taxonomy_map(text, path.name)
    if parsed.problems:
        raise BadInput("; ".join(str(p) for p in parsed.problems[:5]))
    return [TermChoice(taxonomy, term, need) for (taxonomy, term), needs in parsed.entries.items() for need in needs]


def write_unmapped_terms(check: ImportCheck, path: Path | str) -> int:
    """Write the terms that map to no need type as a terms file to fill in (the need column left empty).
    Returns how many terms it lists."""
    path = Path(path)
    if not path.resolve().parent.is_dir():
        raise BadInput(f"The folder {path.resolve().parent} does not exist; choose another place for the terms file.")
    try:
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["taxonomy", "code_or_term", "need", "name", "services"])
            for term in sorted(check.unmapped_terms, key=lambda t: (-t.services, t.taxonomy, t.name)):
                # opened in a spreadsheet to be filled in: no cell may run as a formula (load_terms restores them)
                writer.writerow([neutralise(term.taxonomy or "*"), neutralise(term.key), "", neutralise(term.name),
                                 term.services])
    except OSError as exc:
        raise Unavailable(f"Could not write {path}: {exc.strerror or exc}. Choose another place.") from exc
    return len(check.unmapped_terms)


@dataclass
class StarterMapping:
    mapping: ColumnMapping
    headers: list[str]
    unused: list[str]  # columns no field was guessed for
    rows: int


def starter_mapping(path: Path | str, *, encoding: str | None = None, delimiter: str | None = None) -> StarterMapping:
    """A first column mapping for a spreadsheet, guessed from its header (with how it was read)."""
    from ketdir.interop.read_spreadsheet import read_sheet, suggest_mapping
    from ketdir.interop.textfiles import TextProblem

    try:
        sheet = read_sheet(Path(path), ColumnMapping(encoding=encoding, delimiter=delimiter))
    except TextProblem as exc:
        raise BadInput(str(exc.problem)) from None
    guessed = suggest_mapping(sheet.headers)
    mapping = dataclasses.replace(guessed, delimiter=sheet.delimiter, encoding=sheet.encoding,
                                  sheet=sheet.sheets[0] if sheet.sheets else None)
    used = set(mapping.columns.values())
    return StarterMapping(mapping, sheet.headers, [h for h in sheet.headers if h and h not in used], len(sheet.rows))


def save_mapping(starter: StarterMapping, path: Path | str) -> None:
    """Write a starter mapping, with the fields it can use and the sheet's columns alongside as a guide."""
    from ketdir.interop.read_spreadsheet import TARGETS

    path = Path(path)
    try:
        starter.mapping.save(path, guide={"fields": {t.key: t.label for t in TARGETS},
                                          "sheet_columns": starter.headers})
    except OSError as exc:
        raise Unavailable(f"Could not write {path}: {exc.strerror or exc}. Choose another place.") from exc


def check_import(target: Target, what: Path | str | Dataset, options: ImportOptions | None = None, *,
                 progress: Progress | None = None) -> ImportCheck:
    """Read (unless given a Dataset), validate and plan. Writes nothing; raises Unavailable for a database that
    cannot be used, Cancelled when stopped."""
    from ketdir.interop.apply import plan_import
    from ketdir.interop.validate import validate

    options = options or ImportOptions()
    progress = progress or Progress()
    if not isinstance(what, Dataset) and _first_large_import(target, Path(what), options):
        return _check_staged(target, Path(what), options, progress)
    if not isinstance(what, Dataset):
        again = _same_package_again(target, Path(what), options)
        if again is not None:
            return again
        if _large_package(target, Path(what), options):
            return _check_staged_reimport(target, Path(what), options, progress)
    with gc_paused():
        progress.step("Reading", 0, 3)
        dataset = what if isinstance(what, Dataset) else read_input(what, options, target, progress)
        refusal = target_refusal(target)
        check = ImportCheck(path=dataset.path, format=dataset.format, source=dataset.source,
                            target=_display(target), counts={}, problems=dataset.problems, plan=None,
                            refusal=refusal, options=options, dataset=dataset)
        if dataset.errors:
            return check
        progress.step("Checking", 1, 3)
        with _planning_directory(target) as (directory, fresh):
            with reading(directory) as session:
                # Links may point at records already in the directory; a new one has none to offer.
                validate(dataset, None if fresh else session, taxonomy_map=taxonomy_map_for(options))
                if session.in_transaction():
                    session.rollback()
                check.counts = dataset.counts()
                if dataset.errors:
                    return check
                progress.step("Comparing with the directory", 2, 3)
                check.plan = plan_import(session, dataset, overwrite_conflicts=options.overwrite_conflicts)
        progress.step("Checked", 3, 3)
    return check


def _large_package(target: Target, path: Path, options: ImportOptions) -> bool:
    """A large HSDS datapackage into a directory that exists: staged on disk (interop.stage)."""
    from ketdir.interop.load import detect_format
    from ketdir.interop.stage import stageable

    if options.format not in ("auto", "datapackage") or not path.exists() or detect_format(path) != "datapackage":
        return False
    return stageable(path) and (isinstance(target, Directory) or not _no_directory_yet(_url(target)))


def _first_large_import(target: Target, path: Path, options: ImportOptions) -> bool:
    """A large HSDS datapackage into a directory with nothing in it yet: staged on disk (interop.stage)."""
    from ketdir.interop.load import detect_format
    from ketdir.interop.stage import stageable

    if options.format not in ("auto", "datapackage") or not path.exists() or detect_format(path) != "datapackage":
        return False
    if not stageable(path):
        return False
    if not isinstance(target, Directory) and _no_directory_yet(_url(target)):
        return True
    from sqlalchemy import func, select

    from ketdir.store.models import ImportedService, Service

    with _opened(target, create=False) as directory, reading(directory) as session:
        return not session.execute(select(func.count()).select_from(Service)).scalar() and \
            not session.execute(select(func.count()).select_from(ImportedService)).scalar()


def _same_package_again(target: Target, path: Path, options: ImportOptions) -> ImportCheck | None:
    """A large datapackage byte for byte as its source's last import (the monthly file that did not change):
    nothing can have changed, so it is not read again (a re-import of 100,000 services read whole takes
    gigabytes)."""
    from sqlalchemy import select

    from ketdir.interop.apply import RETIRED_HASH
    from ketdir.interop.load import detect_format
    from ketdir.interop.read_datapackage import SourceProblem, _package_name, open_package
    from ketdir.interop.stage import _content_hash, stageable
    from ketdir.store.models import ImportedService, ImportSource, Service

    if options.format not in ("auto", "datapackage") or not path.exists() or detect_format(path) != "datapackage" \
            or options.overwrite_conflicts or not stageable(path):
        return None
    if not isinstance(target, Directory) and _no_directory_yet(_url(target)):
        return None
    try:
        files = open_package(path)
    except SourceProblem:
        return None
    source = options.source or _package_name(files) or path.stem
    digest = _content_hash(files)
    with _opened(target, create=False) as directory, reading(directory) as session:
        last = session.get(ImportSource, source)
        if last is None or last.content_hash != digest:
            return None
        services = session.execute(
            select(ImportedService.service_id, Service.name).join(Service, Service.id == ImportedService.service_id)
            .where(ImportedService.source == source, ImportedService.content_hash != RETIRED_HASH)).all()
        when = last.imported_at
    plan = ImportPlan(source=source, unchanged=[sid for sid, _name in services])
    plan.tables = {"service": TableChanges(unchanged=len(services))}
    check = ImportCheck(path=str(path), format="datapackage", source=source, target=_display(target),
                        counts={"service": len(services)}, problems=[], plan=plan, refusal=target_refusal(target),
                        options=options, applied=False)
    check.note = (f"This is the same file as the last import of “{source}” ({local_time(when):%d %b %Y %H:%M}), byte for "
                  "byte, so it was not read again.")
    return check


def _check_staged(target: Target, path: Path, options: ImportOptions, progress: Progress) -> ImportCheck:
    from ketdir.interop.stage import stage_datapackage

    progress.step("Reading", 0, 0)
    staged = stage_datapackage(path, source=options.source, encoding=options.encoding,
                               taxonomy_map=taxonomy_map_for(options),
                               step=lambda what, _rows: progress.step(what, 0, 0))
    check = ImportCheck(path=staged.path, format=staged.format, source=staged.source, target=_display(target),
                        counts={t: staged.counts[t] for t in TABLE_ORDER if staged.counts.get(t)},
                        problems=staged.problems, plan=None,
                        refusal=target_refusal(target), options=options, staged=staged)
    if not staged.errors:
        check.plan = staged.plan()
    progress.step("Checked", 1, 1)
    return check


def _check_staged_reimport(target: Target, path: Path, options: ImportOptions, progress: Progress) -> ImportCheck:
    """A large datapackage into a directory that has services: staged, then compared a part at a time
    (interop.staged_reimport), so memory stays that of one part."""
    from ketdir.interop.stage import stage_datapackage
    from ketdir.interop.staged_reimport import plan_staged_reimport

    progress.step("Reading", 0, 0)
    with _opened(target, create=False) as directory, reading(directory) as session:
        staged = stage_datapackage(path, source=options.source, encoding=options.encoding,
                                   taxonomy_map=taxonomy_map_for(options),
                                   step=lambda what, _rows: progress.step(what, 0, 0), directory=session)
        check = ImportCheck(path=staged.path, format=staged.format, source=staged.source, target=_display(target),
                            counts={t: staged.counts[t] for t in TABLE_ORDER if staged.counts.get(t)},
                            problems=staged.problems, plan=None, refusal=target_refusal(target), options=options,
                            staged=staged)
        if not staged.errors:
            check.plan = plan_staged_reimport(session, staged, overwrite=options.overwrite_conflicts,
                                              step=lambda what: progress.step(what, 0, 0))
    progress.step("Checked", 1, 1)
    return check


def apply_import(target: Target, check: ImportCheck, *, progress: Progress | None = None,
                 editor: str | None = None) -> ImportDone:
    """Make the checked changes in one transaction (the directory is made if it does not exist yet).
    Raises BundledDirectory or Refused (nothing written), Cancelled when stopped, Unavailable."""
    from ketdir.interop.apply import apply_import as apply

    if check.refusal:
        raise BundledDirectory(check.refusal)
    if check.applied:
        raise Refused("This import has been done already. Check the file again to import it again.")
    if check.plan is not None and check.dataset is None and check.staged is None and not check.plan.has_changes:
        check.applied = True  # the same file again: nothing to write
        return ImportDone(source=check.source, target=check.target, new=0, changed=0, retired=0, conflicts=0,
                          seconds=0.0, lines=check.plan.lines())
    if check.plan is None or (check.dataset is None and check.staged is None):
        raise Refused(f"{len(check.errors):,} problem(s) stop this import. Nothing was changed; correct the file "
                      "and check it again.")
    progress = progress or Progress()
    progress.check()

    def report(fraction: float, message: str) -> None:
        progress.report(message, int(fraction * 1000), 1000)

    with gc_paused(), _opened(target, create=True) as directory:
        with reading(directory) as session:  # apply opens its own one transaction on this session
            if check.staged is not None and check.staged.reimport:
                from ketdir.interop.staged_reimport import apply_staged_reimport

                result = apply_staged_reimport(session, check.staged, overwrite=check.options.overwrite_conflicts,
                                               progress=report, cancel=progress.cancelled, editor=editor)
            elif check.staged is not None:
                from ketdir.interop.stage import apply_staged

                result = apply_staged(session, check.staged, progress=report, cancel=progress.cancelled,
                                      editor=editor, attach=directory.is_sqlite)
            else:
                result = apply(session, check.dataset, check.plan, progress=report, cancel=progress.cancelled,
                               editor=editor)
        target_name = directory.display_url
    if check.staged is not None:
        check.staged.close()
    check.applied = True
    plan = result.plan
    return ImportDone(source=plan.source, target=str(target_name), new=len(plan.new), changed=len(plan.changed),
                      retired=len(plan.retired), returned=len(plan.returned), conflicts=len(plan.conflicts),
                      seconds=result.seconds,
                      lines=plan.lines())


def _display(target: Target) -> str:
    from ketdir.store.engine import display_url

    return target.display_url if isinstance(target, Directory) else str(display_url(_url(target)))
