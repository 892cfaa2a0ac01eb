"""The masthead and date line of a page: paper, date, issue number, page count, page.

Usage::

    info = parse_dateline("农历乙巳年四月十九 2025年5月 星期五 总第8639期 今日8版 16")
    info.date == date(2025, 5, 16); info.number == 8639; info.page_count == 8

Layout extraction often tears the day out of "2025年5月16日" (the day is set large and
apart), leaving a lone number elsewhere on the line. We take the lone number whose
weekday agrees with the printed 星期; when nothing agrees we say so in ``warnings``
instead of guessing. The 干支 year and the lunar day (from astronomical new moons) are
always cross-checked; the lunar month too when the optional ``lunardate`` is installed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from newsbot.extract._lunar import lunar_day_number, lunar_days
from newsbot.extract._text import cn_number

_WEEKDAYS = "一二三四五六日天"
_STEMS = "甲乙丙丁戊己庚辛壬癸"
_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
_FULL_DATE = re.compile(r"(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?")
_YEAR_MONTH = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月(?!\s*\d{1,2}\s*日)")
_WEEKDAY = re.compile(r"(?:星期|周)([一二三四五六日天])")
_NUMBER = re.compile(r"总第\s*(\d+)\s*期")
_PAGE_COUNT = re.compile(r"今日\s*(\d+)\s*版|本期\s*(\d+)\s*版|共\s*(\d+)\s*版")
_PAGE = re.compile(r"第\s*([0-9一二三四五六七八九十]{1,3})\s*版\s*[:：]?\s*([^\s第]{0,12})")
_LUNAR = re.compile(
    r"农历\s*([甲乙丙丁戊己庚辛壬癸][子丑寅卯辰巳午未申酉戌亥])年\s*"
    r"(闰?[正一二三四五六七八九十冬腊]{1,2})月\s*([初十廿二三][一二三四五六七八九十]?)"
)
_LONE_NUMBER = re.compile(r"(?<![\d.:/\-])\b(\d{1,2})\b(?![\d.:/\-]|\s*[年月日期版号])")
_LUNAR_MONTHS = {"正": 1, "冬": 11, "腊": 12}


@dataclass
class DateInfo:
    """What a date line told us; fields stay None when the line did not say."""

    date: date | None = None
    number: int | None = None
    page_count: int | None = None
    page: int | None = None
    page_name: str | None = None
    warnings: list[str] = field(default_factory=list)


def looks_like_dateline(line: str) -> bool:
    """True for a masthead/date line: a date plus a weekday, issue number or page marker."""
    if not (_FULL_DATE.search(line) or _YEAR_MONTH.search(line)):
        return False
    markers = ("农历", "版", "来源", "出版")
    return bool(_WEEKDAY.search(line) or _NUMBER.search(line) or any(m in line for m in markers))


def _weekday_index(line: str) -> int | None:
    match = _WEEKDAY.search(line)
    if not match:
        return None
    return min(_WEEKDAYS.index(match.group(1)), 6)


def _pick_day(line: str, year: int, month: int, weekday: int | None) -> tuple[int | None, str]:
    """The lone day number that fits year/month (and the weekday when printed)."""
    rest = _YEAR_MONTH.sub(" ", line)
    rest = _NUMBER.sub(" ", _PAGE_COUNT.sub(" ", rest))
    days: list[int] = []
    for match in _LONE_NUMBER.finditer(rest):
        day = int(match.group(1))
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if weekday is None or candidate.weekday() == weekday:
            days.append(day)
    if len(days) == 1:
        return days[0], ""
    if not days:
        return None, f"no day of {year}-{month:02d} on the date line fits its weekday"
    if weekday is not None:
        return days[0], ""
    return None, f"date line of {year}-{month:02d} has several possible days {days}"


def _find_date(line: str, info: DateInfo) -> None:
    weekday = _weekday_index(line)
    full = _FULL_DATE.search(line)
    if full:
        try:
            info.date = date(int(full.group(1)), int(full.group(2)), int(full.group(3)))
        except ValueError:
            info.warnings.append(f"impossible date {full.group(0)!r} on the date line")
            return
        if weekday is not None and info.date.weekday() != weekday:
            info.warnings.append(f"{info.date.isoformat()} is not a 星期{_WEEKDAYS[weekday]}")
        return
    partial = _YEAR_MONTH.search(line)
    if partial:
        year, month = int(partial.group(1)), int(partial.group(2))
        day, problem = _pick_day(line, year, month, weekday)
        if problem:
            info.warnings.append(problem)
        if day is not None:
            info.date = date(year, month, day)


def _lunar_problem(line: str, when: date) -> str | None:
    """Why the printed lunar date disagrees with ``when``, or None when it agrees."""
    match = _LUNAR.search(line)
    if not match:
        return None
    cyclic = match.group(1)
    # The 干支 year turns at the lunar new year (late Jan to mid Feb): accept both years then.
    years = {when.year} if when.month > 2 else {when.year, when.year - 1}
    names = {_STEMS[(y - 4) % 10] + _BRANCHES[(y - 4) % 12] for y in years}
    if cyclic not in names:
        return f"lunar year {cyclic} does not match {when.isoformat()}"
    return _lunar_day_problem(match, when)


def _lunar_day_problem(match: re.Match[str], when: date) -> str | None:
    """The lunar day from the new moons; the month too when ``lunardate`` is installed."""
    problem = f"lunar date {match.group(0)} does not match {when.isoformat()}"
    day = lunar_day_number(match.group(3))
    if day is None or day not in lunar_days(when):
        return problem
    try:
        from lunardate import LunarDate  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        return None
    month_text = match.group(2).lstrip("闰")
    month = _LUNAR_MONTHS.get(month_text) or cn_number(month_text)
    if LunarDate.from_solar_date(when.year, when.month, when.day).month != month:
        return problem
    return None


def parse_dateline(line: str) -> DateInfo:
    """Everything a masthead/date line says; inconsistencies go to ``warnings``."""
    info = DateInfo()
    _find_date(line, info)
    if number := _NUMBER.search(line):
        info.number = int(number.group(1))
    if count := _PAGE_COUNT.search(line):
        info.page_count = int(next(g for g in count.groups() if g))
    if page := _PAGE.search(line):
        info.page = cn_number(page.group(1))
        info.page_name = page.group(2) or None
    if info.date is not None and (problem := _lunar_problem(line, info.date)):
        info.warnings.append(problem)
    return info
