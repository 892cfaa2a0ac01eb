"""The day of the Chinese lunar month, from astronomical new moons (no tables, no packages).

Usage::

    lunar_days(date(2025, 5, 16)) == {19}      # 农历四月十九

A lunar month starts on the day (Beijing time) that holds the new moon. New moons come
from Meeus, *Astronomical Algorithms*, ch. 49 (mean phase plus the main periodic terms,
good to a few minutes). When a new moon falls within :data:`_MARGIN_DAYS` of Beijing
midnight both possible day numbers are returned, so a printed date is never wrongly
flagged. Month numbers (and leap months) need solar terms and are not checked here.
"""

from __future__ import annotations

import math
from datetime import date

_SYNODIC_DAYS = 29.530588861
_JD_UNIX_EPOCH = 2440587.5
_BEIJING_DAYS = 8 / 24
_MARGIN_DAYS = 15 / (24 * 60)
# (coefficient, uses E (eccentricity) power, M, M', F, Omega multipliers) of the new moon.
_TERMS = (
    (-0.40720, 0, 0, 1, 0, 0),
    (0.17241, 1, 1, 0, 0, 0),
    (0.01608, 0, 0, 2, 0, 0),
    (0.01039, 0, 0, 0, 2, 0),
    (0.00739, 1, -1, 1, 0, 0),
    (-0.00514, 1, 1, 1, 0, 0),
    (0.00208, 2, 2, 0, 0, 0),
    (-0.00111, 0, 0, 1, -2, 0),
    (-0.00057, 0, 0, 1, 2, 0),
    (0.00056, 1, 1, 2, 0, 0),
    (-0.00042, 0, 0, 3, 0, 0),
    (0.00042, 1, 1, 0, 2, 0),
    (0.00038, 1, 1, 0, -2, 0),
    (-0.00024, 1, -1, 2, 0, 0),
    (-0.00017, 0, 0, 0, 0, 1),
)


def _new_moon_jde(k: int) -> float:
    """Julian ephemeris day of the k-th new moon after 2000-01-06."""
    t = k / 1236.85
    jde = 2451550.09766 + _SYNODIC_DAYS * k + 0.00015437 * t**2 - 0.000000150 * t**3
    m = math.radians(2.5534 + 29.10535670 * k - 0.0000014 * t**2)
    mp = math.radians(201.5643 + 385.81693528 * k + 0.0107582 * t**2 + 0.00001238 * t**3)
    f = math.radians(160.7108 + 390.67050284 * k - 0.0016118 * t**2 - 0.00000227 * t**3)
    omega = math.radians(124.7746 - 1.56375588 * k + 0.0020672 * t**2)
    e = 1 - 0.002516 * t - 0.0000074 * t**2
    for coefficient, e_power, cm, cmp, cf, co in _TERMS:
        jde += coefficient * e**e_power * math.sin(cm * m + cmp * mp + cf * f + co * omega)
    return jde


def _beijing_days(jde: float) -> float:
    """Days since 1970-01-01 00:00 Beijing time (TT and UT differ by ~1 minute: ignored)."""
    return jde - _JD_UNIX_EPOCH + _BEIJING_DAYS


def lunar_days(when: date) -> set[int]:
    """The possible days of the lunar month (1-30) on ``when``; two near a midnight new moon."""
    target = (when - date(1970, 1, 1)).days
    k = math.floor((target - (2451550.09766 - _JD_UNIX_EPOCH)) / _SYNODIC_DAYS) + 1
    while math.floor(_beijing_days(_new_moon_jde(k))) > target:
        k -= 1
    moon = _beijing_days(_new_moon_jde(k))
    days = {target - math.floor(moon) + 1}
    fraction = moon - math.floor(moon)
    if fraction < _MARGIN_DAYS:  # just after midnight: could be the day before
        days.add(target - math.floor(moon) + 2)
    elif fraction > 1 - _MARGIN_DAYS:  # just before midnight: could be the next day
        days.add(target - math.floor(moon))
    return {d for d in days if 1 <= d <= 30}


def lunar_day_number(text: str) -> int | None:
    """初一…初十, 十一…二十, 廿一…廿九, 三十 as 1-30."""
    if text.startswith("初"):
        rest = text[1:]
        return 10 if rest == "十" else "一二三四五六七八九".find(rest) + 1 or None
    tens = {"十": 10, "廿": 20, "二十": 20, "三十": 30}
    for prefix, value in sorted(tens.items(), key=lambda kv: -len(kv[0])):
        if text.startswith(prefix):
            rest = text[len(prefix) :]
            if not rest:
                return value
            digit = "一二三四五六七八九".find(rest) + 1
            return value + digit if digit else None
    return None
