"""Verdicts that survive a rerun (issue 25): pair every estimate of two runs of
``benchmarks/reproduce.py`` (the full run and an independent rerun with other seeds), say
how many agree, and print a verdict sentence only when the full run and the rerun both
hold it.

    python benchmarks/reproduce_verdicts.py FULL_RESULTS_JSON RERUN_RESULTS_JSON

prints the agreement of the two runs' estimates (the share of estimates whose value in
each run lies inside the other run's 95 % interval) and the estimates that disagree.
Used by ``reproduce.py`` (``--rerun``) and ``reproduce_doc.py``; imports neither.
"""
from __future__ import annotations

import argparse
import json
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


def pair_estimates(full: dict, rerun: dict, target: float = AGREEMENT_TARGET) -> dict:
    """The agreement of two results dicts, estimate by estimate.

    Pairs the estimates at the same path (:func:`estimates`) whose point and 95 % interval
    are defined in both runs. Returns ``{"pairs", "compared", "agree", "share",
    "full_in_rerun", "rerun_in_full", "unpaired", "target", "met"}``: per pair its
    ``path``, ``key`` (mean or bc), ``full`` and ``rerun`` as [point, lo, hi], whether the
    full run's point lies inside the rerun's interval (``full_in_rerun``) and the other way
    round (``rerun_in_full``), and ``agree`` (both); the counts of each over the pairs,
    ``share`` = agree / compared (None when nothing is comparable), ``met`` = share >=
    ``target``; ``unpaired``: the paths with a defined point in one run that cannot be
    compared (missing in the other, or an interval or point undefined in either)."""
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
        pairs.append({"path": path, "key": point_key(a), "full": _triple(a), "rerun": _triple(b),
                      "full_in_rerun": fi, "rerun_in_full": ri, "agree": fi and ri})
    n = len(pairs)
    agree = sum(p["agree"] for p in pairs)
    share = agree / n if n else None
    return {"pairs": pairs, "compared": n, "agree": agree, "share": share,
            "full_in_rerun": sum(p["full_in_rerun"] for p in pairs),
            "rerun_in_full": sum(p["rerun_in_full"] for p in pairs),
            "unpaired": unpaired, "target": target, "met": share is not None and share >= target}


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
    for p in ag["pairs"]:
        if not p["agree"]:
            f, r = p["full"], p["rerun"]
            print(f"  {p['path']}: full {f[0]:+.3f} [{f[1]:+.3f}, {f[2]:+.3f}]; rerun {r[0]:+.3f} "
                  f"[{r[1]:+.3f}, {r[2]:+.3f}]")
    return ag


if __name__ == "__main__":
    main()
