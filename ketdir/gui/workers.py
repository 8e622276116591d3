"""Run work off the UI thread and deliver its result, or its problem, back on the UI thread.

Every slow thing the window does (search, import, export, data health, saves, statistics, history) goes
through `Worker.run`, as in Rare's QRunnable-with-signals and Picard's `run_task(func, next_func)`. A
`KetdirProblem` arrives as itself, for the window to show; any other exception is a bug: it is logged with
its traceback, reported to the hooks tests watch (`add_unexpected_error_hook`), and arrives as a
`KetdirProblem` with a plain message, so a spinner always stops and the person always learns what happened.
"""
from __future__ import annotations

import inspect
import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from ketdir.app.progress import Progress
from ketdir.problems import Cancelled, KetdirProblem

log = logging.getLogger(__name__)

UnexpectedErrorHook = Callable[[BaseException, str], None]
_hooks: list[UnexpectedErrorHook] = []
_hooks_lock = threading.Lock()


def add_unexpected_error_hook(hook: UnexpectedErrorHook) -> None:
    """Call hook(exception, traceback text) for every bug a worker meets (tests fail on them)."""
    with _hooks_lock:
        _hooks.append(hook)


def remove_unexpected_error_hook(hook: UnexpectedErrorHook) -> None:
    with _hooks_lock:
        if hook in _hooks:
            _hooks.remove(hook)


def report_unexpected(exc: BaseException) -> KetdirProblem:
    """Log a bug, tell the hooks, and return the message the person sees instead of a traceback."""
    text = "".join(traceback.format_exception(exc))
    log.error("unexpected error in a worker:\n%s", text)
    with _hooks_lock:
        hooks = list(_hooks)
    for hook in hooks:
        hook(exc, text)
    return KetdirProblem(
        f"That did not work because of a fault in ketdir ({type(exc).__name__}: {exc}). Try again; if it keeps "
        "happening, restart ketdir and tell whoever looks after it."
    )


class Job(QObject):
    """One piece of work. Its public signals are emitted on the UI thread: the pool thread emits the private
    ones, which reach this object's methods through Qt's queue. `cancel()` asks a job that takes a Progress
    to stop between steps; it then fails with `Cancelled`."""

    progressed = Signal(str, int, int)  # what, done, total (0: unknown)
    succeeded = Signal(object)  # the function's result
    failed = Signal(object)  # a KetdirProblem (Cancelled when the person stopped it)
    finished = Signal()  # after succeeded or failed

    _thread_progress = Signal(str, int, int)
    _thread_result = Signal(object)
    _thread_problem = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._stop = threading.Event()
        self.running = True
        self.result: Any = None
        self.problem: KetdirProblem | None = None
        self._thread_progress.connect(self._on_progress)
        self._thread_result.connect(self._on_result)
        self._thread_problem.connect(self._on_problem)

    def cancel(self) -> None:
        self._stop.set()

    @property
    def cancel_requested(self) -> bool:
        return self._stop.is_set()

    def progress(self) -> Progress:
        """For the function: reports go through the queue, cancel is a flag it can read at any time."""
        return Progress(report=lambda what, done, total: self._thread_progress.emit(what, done, total),
                        cancelled=self._stop.is_set)

    def _on_progress(self, what: str, done: int, total: int) -> None:
        if self.running:
            self.progressed.emit(what, done, total)

    def _on_result(self, result: Any) -> None:
        self.result = result
        self.running = False
        self.succeeded.emit(result)
        self.finished.emit()

    def _on_problem(self, problem: KetdirProblem) -> None:
        self.problem = problem
        self.running = False
        self.failed.emit(problem)
        self.finished.emit()


class _Task(QRunnable):
    def __init__(self, job: Job, fn: Callable[..., Any], args: tuple, kwargs: dict) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the Worker keeps it until its job has finished
        self.job, self.fn, self.args, self.kwargs = job, fn, args, kwargs

    def run(self) -> None:
        try:
            result = self.fn(*self.args, **self.kwargs)
        except KetdirProblem as problem:
            self.job._thread_problem.emit(problem)
        except BaseException as exc:  # a bug: never a crash, never a silent spinner
            self.job._thread_problem.emit(report_unexpected(exc))
        else:
            self.job._thread_result.emit(result)


def takes_progress(fn: Callable[..., Any]) -> bool:
    try:
        return "progress" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


class Worker(QObject):
    """A pool of background threads for one window (or dialog)."""

    def __init__(self, parent: QObject | None = None, threads: int = 2, keep_threads: bool = False) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)
        if keep_threads:  # for functions that keep a session per thread between calls (app.search.Searcher)
            self._pool.setExpiryTimeout(-1)
        self._running: dict[Job, _Task] = {}

    def run(self, fn: Callable[..., Any], *args: Any,
            on_result: Callable[[Any], None] | None = None,
            on_problem: Callable[[KetdirProblem], None] | None = None,
            on_progress: Callable[[str, int, int], None] | None = None, **kwargs: Any) -> Job:
        """Run fn(*args, **kwargs) on a pool thread. A function with a `progress` parameter is given the job's
        Progress (report and cancel). The callbacks run on the UI thread."""
        job = Job()  # no parent: dropped when it has finished and nobody holds it
        if takes_progress(fn) and "progress" not in kwargs:
            kwargs["progress"] = job.progress()
        if on_progress is not None:
            job.progressed.connect(on_progress)
        if on_result is not None:
            job.succeeded.connect(on_result)
        if on_problem is not None:
            job.failed.connect(on_problem)
        job.finished.connect(lambda: self._running.pop(job, None))
        task = _Task(job, fn, args, kwargs)
        self._running[job] = task
        self._pool.start(task)
        return job

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def cancel_all(self) -> None:
        for job in list(self._running):
            job.cancel()

    def shutdown(self, wait_ms: int = 5000) -> None:
        """Ask every job to stop and wait for the threads (at closing time)."""
        self.cancel_all()
        self._pool.waitForDone(wait_ms)


def is_cancelled(problem: KetdirProblem) -> bool:
    return isinstance(problem, Cancelled)
