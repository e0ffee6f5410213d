"""Is a pilot's change bigger than the noise? Pure: daily values in, a plain verdict out."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

Z95 = 1.96
MIN_DAYS = 5


@dataclass(frozen=True)
class Comparison:
    baseline_mean: float | None
    during_mean: float | None
    baseline_days: int
    during_days: int
    difference: float | None  # during − baseline, in the metric's unit per day
    low: float | None  # 95% confidence interval of the difference
    high: float | None
    verdict: str  # "better", "worse", "noise", "too_few_days"

    @property
    def beyond_noise(self) -> bool:
        return self.verdict in ("better", "worse")


def compare(baseline: list[float], during: list[float], direction: int) -> Comparison:
    """Difference of the daily means with a normal-approximation 95% confidence interval
    (Welch's standard error). ``direction`` +1: up is better, -1: down is better."""
    b = [v for v in baseline if v is not None]
    d = [v for v in during if v is not None]
    if len(b) < MIN_DAYS or len(d) < MIN_DAYS:
        return Comparison(
            statistics.fmean(b) if b else None,
            statistics.fmean(d) if d else None,
            len(b),
            len(d),
            None,
            None,
            None,
            "too_few_days",
        )
    mb, md = statistics.fmean(b), statistics.fmean(d)
    se = math.sqrt(statistics.variance(b) / len(b) + statistics.variance(d) / len(d))
    diff = md - mb
    low, high = diff - Z95 * se, diff + Z95 * se
    if low <= 0 <= high:
        verdict = "noise"
    elif direction == 0:
        verdict = "better" if diff > 0 else "worse"
    else:
        verdict = "better" if diff * direction > 0 else "worse"
    return Comparison(mb, md, len(b), len(d), diff, low, high, verdict)


SUFFIX = {"percent": " pp", "minutes": " min", "hours": " h"}


def statement(c: Comparison, unit: str = "") -> str:
    """One honest sentence about the comparison, for people who decide."""
    u = SUFFIX.get(unit, "")
    if c.verdict == "too_few_days":
        return (
            f"Too few days with data to tell ({c.baseline_days} before, {c.during_days} during; "
            f"at least {MIN_DAYS} each are needed)."
        )
    assert c.difference is not None and c.low is not None and c.high is not None  # noqa: S101
    days = f"{c.baseline_days} days before, {c.during_days} during"
    ci = f"95% confidence interval {c.low:+.2f} to {c.high:+.2f}{u}"
    if c.verdict == "noise":
        return (
            f"The difference is within day-to-day noise: the daily values moved by "
            f"{c.difference:+.2f}{u} on average, and the {ci} includes no change ({days})."
        )
    word = "better" if c.verdict == "better" else "worse"
    return (
        f"The change is bigger than the noise, and {word}: the daily values moved by "
        f"{c.difference:+.2f}{u} on average ({ci}; {days})."
    )
