"""What the lead says about the article: publication date, publisher, and the outlet it reports from.

Owns the dateline (``海港日報2026年3月2日訊``, ``1月15日訊`` without a year)
and the reported source (``據《山城週報》報道``, ``据彭博社1月5日报道``). A
dateline without a year takes it from the reported date, or is the first
such day after the latest full date the article mentions (``--date``
overrides both), and says so in a finding; the
source's year, when missing, is the publication's (or the one before, when
the month comes later in the year).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..errors import Diagnostic
from .findings import Imp, finding
from .read import Line

DATELINE_RE = re.compile(r"(?P<pub>[^\d，,。:：]{2,12}?)(?:(?P<y>\d{4})年)?(?P<m>\d{1,2})月(?P<d>\d{1,2})日\s*"
                         r"(?:[訊讯電电]|消息)")
_DAY = r"(?:(?:(?P<y>\d{4})年)?(?P<m>\d{1,2})月(?P<d>\d{1,2})日)?"
QUOTED_RE = re.compile(r"[據据]《(?P<outlet>[^》]{1,30})》\s*" + _DAY)
BARE_RE = re.compile(r"[據据](?P<outlet>[^\d\s，,。:：；;《》「」()（）]{2,12}?)\s*" + _DAY
                     + r"\s*的?(?:報道|报道|報導|报导)")
FULL_DATE_RE = re.compile(r"(?P<y>(?:19|20)\d{2})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日")


@dataclass(frozen=True)
class Dates:
    """The dates and names the lead gives (None where it gives none)."""

    date: dt.date | None
    origin: str
    """option, dateline, source or none."""
    source_date: dt.date | None
    publisher: str | None
    outlet: str | None
    warnings: tuple[Diagnostic, ...] = ()


def _date(match: re.Match | None, year: int | None = None) -> dt.date | None:
    if match is None or not match.group("m") or not (match.group("y") or year):
        return None
    try:
        return dt.date(int(match.group("y") or year), int(match.group("m")), int(match.group("d")))
    except ValueError:
        return None


def _latest_date(lines: list[Line]) -> tuple[dt.date, int, str] | None:
    """The latest full date (YYYY年M月D日) written anywhere in the article, with its line."""
    best = None
    for line in lines:
        for match in FULL_DATE_RE.finditer(line.raw):
            if (day := _date(match)) and (best is None or day > best[0]):
                best = (day, line.number, match.group(0))
    return best


def _yearless(dateline: re.Match, reported: re.Match | None, lines: list[Line], lead: int,
              path: str) -> tuple[dt.date | None, Diagnostic]:
    """A dateline without a year: the reported date's year, else the latest full date's."""
    said = f"{dateline.group('m')}月{dateline.group('d')}日"
    if reported and reported.group("y"):
        year, where = int(reported.group("y")), f"the reported date on line {lead}"
    elif latest := _latest_date(lines):
        day = (int(dateline.group("m")), int(dateline.group("d")))
        year = latest[0].year + (day < (latest[0].month, latest[0].day))
        where = f"the latest date the article mentions, '{latest[2]}' on line {latest[1]} (the first {said} after it)"
    else:
        return None, finding(Imp.IMP012, path, lead, f"the dateline gives {said} but no year, and no other date "
                             "in the text says which; wrote 1970-01-01: import again with --date YYYY-MM-DD")
    return _date(dateline, year), finding(Imp.IMP013, path, lead, f"the dateline {said} has no year; took {year} "
                                          f"from {where}; check it (or import again with --date YYYY-MM-DD)")


def read_dates(lead: Line | None, lines: list[Line], given: dt.date | None, path: str) -> Dates:
    """The publication date (``given`` first), the source's date, publisher and outlet, from the lead."""
    text = re.sub(r"[*＊]", "", lead.raw) if lead else ""
    number = lead.number if lead else 1
    dateline = DATELINE_RE.match(text)
    reported = QUOTED_RE.search(text) or BARE_RE.search(text)
    warn: list[Diagnostic] = []
    date, origin = given, "option"
    if date is None and dateline:
        date, origin = _date(dateline), "dateline"
        if date is None and not dateline.group("y"):
            date, said = _yearless(dateline, reported, lines, number, path)
            warn.append(said)
    if date is None and (date := _date(reported)):
        origin = "source"
    if date is None:
        origin = "none"
    source_date = _date(reported)
    if source_date is None and reported and reported.group("m") and date:
        later = (int(reported.group("m")), int(reported.group("d"))) > (date.month, date.day)
        source_date = _date(reported, date.year - 1 if later else date.year)
    return Dates(date, origin, source_date, dateline.group("pub").strip() if dateline else None,
                 reported.group("outlet") if reported else None, tuple(warn))
