"""Medians, percentiles and the lines the benchmarks print."""

import statistics


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def verdict(ok: bool) -> str:
    return "OK  " if ok else "MISS"


def line(label: str, text: str) -> None:
    print(f"  {label:<34} {text}", flush=True)


def target(ok: bool, text: str) -> bool:
    print(f"  [{verdict(ok)}] {text}", flush=True)
    return ok


def heading(text: str) -> None:
    print(f"\n== {text} ==", flush=True)
