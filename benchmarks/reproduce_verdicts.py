"""Verdicts that survive a rerun (issue 25): pair every estimate of two runs of
``benchmarks/reproduce.py`` (the full run and an independent rerun with other seeds), say
how many agree, and print a verdict sentence only when the full run and the rerun both
hold it.

    python benchmarks/reproduce_verdicts.py FULL_RESULTS_JSON RERUN_RESULTS_JSON

prints the agreement of the two runs' estimates (the share of estimates whose value in
each run lies inside the other run's 95 % interval) and the estimates that disagree.
Used by ``reproduce.py`` (``--rerun``) and ``reproduce_doc.py``; imports neither.

Two readings of "agree". The issue's: each run's value inside the other's 95 % interval.
Two unbiased estimates of the same quantity with calibrated intervals of equal width meet
it only 83 % of the time (their difference has sqrt(2) times the spread of each, so it
exceeds one half-width with probability P(|Z| > 1.96 / sqrt(2)) = 17 %), fewer with unequal
widths: :func:`expected_each_inside` gives that expectation for a pair's widths. The test a
95 % interval is made for is the difference's: the two values differ by no more than the
95 % interval of their difference, sqrt(h_full^2 + h_rerun^2) with each half-width h taken
on the side that faces the other run (:func:`difference_agrees`; 95 % of calibrated pairs
pass it). Both are reported; a run whose intervals are too narrow fails both.
"""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

#: The agreement the page aims at: this share of the estimates inside the other run's interval.
AGREEMENT_TARGET = 0.9
#: Keys of a results dict that hold bookkeeping, not estimates (skipped at any depth).
SKIP_KEYS = ("size", "commands", "seconds", "previous_runs", "refreshed", "rerun", "reference_folder")
#: The point of an estimate: a dict with one of these keys and ``lo`` / ``hi``.
POINT_KEYS = ("mean", "bc")
#: The verdict of a page without a rerun.
NO_RERUN = "not settled (no independent rerun)"
#: What :func:`slim_results` keeps of a rerun's results (what the page's verdicts read).
RERUN_KEEP = ("size", "commands", "seed_offset", "table3", "concept_controls", "concept_controls_by_tx", "grid",
              "combination", "preset", "fig9", "budget", "fig11", "learning")


def point_key(d) -> str | None:
    """``"mean"`` or ``"bc"`` when ``d`` is an estimate (a dict with that key, ``lo`` and
    ``hi``), else None."""
    if not isinstance(d, dict) or "lo" not in d or "hi" not in d:
        return None
    return next((k for k in POINT_KEYS if k in d), None)


def _children(obj):
    """(name, child) of a dict or list; a list of dicts that all name a ``setting`` is keyed
    by it (the grid's rows), any other list by index."""
    if isinstance(obj, dict):
        return [(str(k), v) for k, v in obj.items() if k not in SKIP_KEYS]
    if isinstance(obj, list):
        if obj and all(isinstance(x, dict) and isinstance(x.get("setting"), str) for x in obj):
            return [(x["setting"], x) for x in obj]
        return [(f"[{i}]", x) for i, x in enumerate(obj)]
    return []


def estimates(res: dict, path: tuple = ()) -> dict[str, dict]:
    """{path: estimate dict} of every estimate in ``res`` (a results dict of
    ``reproduce.py``, or any part of it), the path its keys joined by " / "."""
    out = {}
    if point_key(res):
        out[" / ".join(path)] = res
    for name, child in _children(res):
        out.update(estimates(child, path + (name,)))
    return out


def _triple(e: dict) -> list:
    return [e[point_key(e)], e["lo"], e["hi"]]


def _inside(v: float, e: dict) -> bool:
    return e["lo"] <= v <= e["hi"]


def _facing(a: list, b: list) -> tuple[float, float]:
    """The half-widths of the intervals of ``a`` and ``b`` ([point, lo, hi]) on the sides
    that face each other (a's upper and b's lower half when b's point is above a's)."""
    if b[0] >= a[0]:
        return a[2] - a[0], b[0] - b[1]
    return a[0] - a[1], b[2] - b[0]


def difference_agrees(a: list, b: list) -> bool:
    """Whether two independent estimates ``a`` and ``b`` ([point, lo, hi], 95 % intervals)
    differ by no more than the 95 % interval of their difference: |b - a| <= sqrt(h_a^2 +
    h_b^2), each half-width h taken on the side facing the other estimate (normal
    approximation; two calibrated estimates of one quantity pass 95 % of the time)."""
    ha, hb = _facing(a, b)
    return abs(b[0] - a[0]) <= math.hypot(ha, hb)


def expected_each_inside(a: list, b: list) -> float:
    """The chance that each of two independent, unbiased estimates of one quantity with
    calibrated 95 % intervals of ``a``'s and ``b``'s widths ([point, lo, hi]) lies inside
    the other's interval: P(|d| <= min(h_a, h_b)) for d ~ N(0, (h_a^2 + h_b^2) / 1.96^2), h
    the mean half-widths. 0.834 for equal widths, less for unequal ones; 1 when both
    intervals have no width (a quantity both runs compute exactly)."""
    ha, hb = (a[2] - a[1]) / 2, (b[2] - b[1]) / 2
    if ha <= 0 and hb <= 0:
        return 1.0
    z = 1.959964 * min(ha, hb) / math.hypot(ha, hb)
    return math.erf(z / math.sqrt(2))


def pair_estimates(full: dict, rerun: dict, target: float = AGREEMENT_TARGET) -> dict:
    """The agreement of two results dicts, estimate by estimate.

    Pairs the estimates at the same path (:func:`estimates`) whose point and 95 % interval
    are defined in both runs. Returns ``{"pairs", "compared", "agree", "share",
    "full_in_rerun", "rerun_in_full", "unpaired", "target", "met", "expected_share",
    "difference_agree", "difference_share", "difference_met"}``: per pair its ``path``,
    ``key`` (mean or bc), ``full`` and ``rerun`` as [point, lo, hi], whether the full run's
    point lies inside the rerun's interval (``full_in_rerun``) and the other way round
    (``rerun_in_full``), ``agree`` (both) and ``difference_agrees``
    (:func:`difference_agrees`); the counts of each over the pairs, ``share`` = agree /
    compared (None when nothing is comparable), ``met`` = share >= ``target``,
    ``expected_share`` the mean of :func:`expected_each_inside` over the pairs (what
    ``share`` would be, on average, with calibrated intervals), ``difference_share`` and
    ``difference_met`` the same for the difference test; ``unpaired``: the paths with a
    defined point in one run that cannot be compared (missing in the other, or an
    interval or point undefined in either)."""
    ef, er = estimates(full), estimates(rerun)
    pairs, unpaired = [], []
    for path in sorted(set(ef) | set(er)):
        a, b = ef.get(path), er.get(path)
        ok = a is not None and b is not None and point_key(a) == point_key(b) and all(
            v is not None for v in _triple(a) + _triple(b))
        if not ok:
            if any(e is not None and e[point_key(e)] is not None for e in (a, b)):
                unpaired.append(path)
            continue
        fi, ri = _inside(a[point_key(a)], b), _inside(b[point_key(b)], a)
        ta, tb = _triple(a), _triple(b)
        pairs.append({"path": path, "key": point_key(a), "full": ta, "rerun": tb,
                      "full_in_rerun": fi, "rerun_in_full": ri, "agree": fi and ri,
                      "difference_agrees": difference_agrees(ta, tb)})
    n = len(pairs)
    agree = sum(p["agree"] for p in pairs)
    share = agree / n if n else None
    d_agree = sum(p["difference_agrees"] for p in pairs)
    d_share = d_agree / n if n else None
    return {"pairs": pairs, "compared": n, "agree": agree, "share": share,
            "full_in_rerun": sum(p["full_in_rerun"] for p in pairs),
            "rerun_in_full": sum(p["rerun_in_full"] for p in pairs),
            "unpaired": unpaired, "target": target, "met": share is not None and share >= target,
            "expected_share": sum(expected_each_inside(p["full"], p["rerun"]) for p in pairs) / n if n else None,
            "difference_agree": d_agree, "difference_share": d_share,
            "difference_met": d_share is not None and d_share >= target}


def slim_results(res: dict) -> dict:
    """What the page keeps of a rerun's results: the parts its verdicts read
    (:data:`RERUN_KEEP`)."""
    return {k: res[k] for k in RERUN_KEEP if k in res}


def rerun_summary(full: dict, rerun: dict, source: str) -> dict:
    """The ``rerun`` entry of the full run's results: where the rerun's results came from
    (``source``), its command and seed offset, whether it ran at the same sizes, the
    agreement of every estimate (:func:`pair_estimates`) and its slimmed results."""
    return {"source": source, "command": rerun.get("commands", {}).get("reproduce"),
            "seed_offset": rerun.get("seed_offset", 0), "same_size": rerun.get("size") == full.get("size"),
            "agreement": pair_estimates(full, rerun), "results": slim_results(rerun)}


def verdict(claim_holds_full: bool, claim_holds_rerun: bool | None, sentence: str, full_value: str,
            rerun_value: str) -> str:
    """``sentence`` when the claim holds in the full run and in the independent rerun;
    otherwise "not settled (full: X; rerun: Y)" with both runs' values, and "not settled
    (no independent rerun)" when there is none (``claim_holds_rerun`` None)."""
    if claim_holds_rerun is None:
        return NO_RERUN
    if claim_holds_full and claim_holds_rerun:
        return sentence
    return f"not settled (full: {full_value}; rerun: {rerun_value})"


def settle(reading_full, reading_rerun, sentences: dict, full_value: str, rerun_value: str,
           have_rerun: bool) -> str:
    """A verdict on a reading with several outcomes (e.g. "above" / "below" / "straddles"
    5/9): the full run's sentence (``sentences[reading_full]``) when the rerun reads the
    same; not settled when it does not, when the full run has no reading (None) or
    ``sentences`` none for it, or when there is no rerun (``have_rerun`` False)."""
    holds_full = reading_full is not None and reading_full in sentences
    holds_rerun = (reading_rerun == reading_full) if have_rerun else None
    return verdict(holds_full, holds_rerun, sentences.get(reading_full, ""), full_value, rerun_value)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    ap.add_argument("full", help="results.json of the full run")
    ap.add_argument("rerun", help="results.json of the independent rerun (other seeds)")
    a = ap.parse_args(argv)
    full, rerun = (json.loads(Path(p).read_text()) for p in (a.full, a.rerun))
    ag = pair_estimates(full, rerun)
    share = "n/a" if ag["share"] is None else f"{ag['share']:.0%}"
    print(f"{ag['agree']} of {ag['compared']} estimates ({share}) have each run's value inside the other's 95 % "
          f"interval (target {ag['target']:.0%}: {'met' if ag['met'] else 'not met'}); full inside rerun "
          f"{ag['full_in_rerun']}, rerun inside full {ag['rerun_in_full']}; {len(ag['unpaired'])} in one run only")
    if ag["compared"]:
        print(f"calibrated intervals of these widths would give {ag['expected_share']:.0%} on average; the two values "
              f"differ by less than the 95 % interval of their difference in {ag['difference_agree']} "
              f"({ag['difference_share']:.0%}; target {ag['target']:.0%}: "
              f"{'met' if ag['difference_met'] else 'not met'})")
    for p in ag["pairs"]:
        if not p["agree"]:
            f, r = p["full"], p["rerun"]
            print(f"  {p['path']}: full {f[0]:+.3f} [{f[1]:+.3f}, {f[2]:+.3f}]; rerun {r[0]:+.3f} "
                  f"[{r[1]:+.3f}, {r[2]:+.3f}]")
    return ag


if __name__ == "__main__":
    main()
