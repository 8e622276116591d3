"""The application layer: one function per thing a person can do.

The window (`ketdir.gui`) and the command line (`ketdir.cli`) call these and nothing below them for writes,
so the two cannot drift apart. Each function takes the open directory and plain arguments, owns its
session, transaction and policy, returns plain dataclasses, and raises only the `KetdirProblem` family
(`ketdir.problems`) for anything a person can put right.
"""
from ketdir.app.directory import Directory, open_directory, reading, writing
from ketdir.app.progress import Progress

__all__ = ["Directory", "Progress", "open_directory", "reading", "writing"]
