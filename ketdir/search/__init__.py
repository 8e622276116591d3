"""The query engine: Query -> Results. No Qt."""
from ketdir.search.engine import search
from ketdir.search.types import Hit, OpenState, Query, Reading, Results

__all__ = ["search", "Query", "Results", "Hit", "Reading", "OpenState"]
