"""Need types: ketdir's own taxonomy `ketdir-need`, read from data/need_types.csv."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cached_property
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from ketdir.paths import data_dir

TAXONOMY_NAME = "ketdir-need"


@dataclass(frozen=True)
class NeedType:
    code: str
    label: str
    description: str
    keywords: tuple[str, ...]
    bit: int  # position in SearchDoc.need_mask

    @property
    def token(self) -> str:
        """A word the full-text index holds for every service of this need type."""
        return "xneed" + self.code.replace("-", "")


@dataclass(frozen=True)
class NeedTypes:
    all: tuple[NeedType, ...]

    @cached_property
    def _by_code(self) -> dict[str, NeedType]:
        return {n.code: n for n in self.all}

    def get(self, code: str) -> NeedType | None:
        return self._by_code.get(code)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(n.code for n in self.all)

    def label(self, code: str) -> str:
        need = self.get(code)
        return need.label if need else code

    def mask(self, codes: Iterable[str]) -> int:
        mask = 0
        for code in codes:
            need = self.get(code)
            if need is not None:
                mask |= 1 << need.bit
        return mask

    def codes_in(self, mask: int) -> tuple[str, ...]:
        return tuple(n.code for n in self.all if mask & (1 << n.bit))


def load_need_types(path: Path | None = None) -> NeedTypes:
    path = path or data_dir() / "need_types.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return NeedTypes(
        tuple(
            NeedType(
                code=row["code"].strip(),
                label=row["label"].strip(),
                description=row["description"].strip(),
                keywords=tuple(row["keywords"].split()),
                bit=i,
            )
            for i, row in enumerate(rows)
        )
    )


@lru_cache(maxsize=1)
def need_types() -> NeedTypes:
    return load_need_types()
