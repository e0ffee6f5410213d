"""CSV for spreadsheets, safe to open: no cell is read as a formula.

Excel, LibreOffice and Google Sheets run a cell that starts with ``=``, ``+``, ``-`` or ``@``
(and, in some, a tab or carriage return before them) as a formula: a campaign named
``=HYPERLINK(…)`` or ``=cmd|' /C calc'!A0`` would act when someone opens the export. Such text
gets a leading apostrophe (OWASP's advice), which the spreadsheet shows as text. Numbers,
negative ones included, are left as they are. Every CSV export writes through this module.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from typing import IO, Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def cell(value: Any) -> Any:
    """The value as a spreadsheet may safely read it."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.match(value):
        return "'" + value
    return value


class Writer:
    """``csv.writer`` whose every cell goes through ``cell``."""

    def __init__(self, out: IO[str], **kwargs: Any):
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class DictWriter(csv.DictWriter):
    """``csv.DictWriter`` whose every cell (and header) goes through ``cell``."""

    def writeheader(self) -> Any:
        return self.writer.writerow([cell(name) for name in self.fieldnames])

    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        return super().writerow({k: cell(v) for k, v in rowdict.items()})

    def writerows(self, rowdicts: Iterable[Mapping[str, Any]]) -> None:
        for row in rowdicts:
            self.writerow(row)
