"""What Alembic compares: the models' tables, not the full-text structures ketdir.store.search_index makes."""
from __future__ import annotations

_FTS_TABLES = {"search_fts", "search_vocab", "ketdir_vocab", "alembic_version"}


def include_object(obj, name, type_, reflected, compare_to):
    if type_ == "table" and (name in _FTS_TABLES or (name or "").startswith("search_fts_")):
        return False
    if type_ == "column" and name in ("tsv", "tsv_strong"):
        return False
    if type_ == "index" and name in ("ix_search_doc_tsv", "ix_vocab_trgm", "ix_search_doc_tsv_strong",
                                     "ix_search_doc_tsv_national", "ix_search_doc_tsv_strong_national"):
        return False
    return True
