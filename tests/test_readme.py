"""The README runs as written: its quick start ("Using it") top to bottom, scaled down to
tiny sizes, in a fresh folder; every other shell block is accounted for; every
``synthrm`` command of the README and the docs parses with today's CLI.

The scaling (:func:`tiny`) only shrinks sizes (frames, resolution, rays, city and
apartment size, epochs): it never changes what a command does, so a renamed flag, a
folder no line makes or a command that now fails breaks this test.

``python tests/test_readme.py --full DIR`` runs the quick start as written (not scaled)
in ``DIR`` and prints each command's time: the times the README quotes.
"""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
#: The section whose shell blocks the test runs (the quick start), and the blocks it
#: does not run, by (section, subsection), with the reason.
RUN_SECTION = ("Using it", "")
NOT_RUN = {
    ("Two commands", ""): "`make demo` sets up the .venv the quick start activates; `make test` is this suite",
    ("Using it", "On a Ray cluster"): "needs a Ray cluster; its commands are parsed below, and the Ray executor is "
                                      "tested on a local Ray (tests/test_generate_executor.py, the quick start)",
    ("Benchmarks", ""): "every benchmark runs on a tiny input in tests/test_architecture.py",
}

#: Tiny sizes of the scaled-down run.
TINY_CITY = ["--set", "city.blocks_x=2", "--set", "city.blocks_y=2"]
TINY_INDOOR = ["--set", "heights_m=[0.6,1.6]", "--set", "apartment.area_m2=[20,30]", "--set",
               "apartment.room_max_m2=14", "--set", "scan.resolution=[48,36]", "--set", "scan.headings=4",
               "--set", "scan.spp=2", "--set", "radio.max_depth=3"]


# ----------------------------------------------------------------------------- reading the README

def blocks(text: str) -> list[dict]:
    """The fenced code blocks of a Markdown text: language, code, section and subsection."""
    out, section, sub = [], "", ""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("## "):
            section, sub = line[3:].strip(), ""
        elif line.startswith("### "):
            sub = line[4:].strip()
        elif line.startswith("```"):
            lang = line[3:].strip()
            j = i + 1
            while not lines[j].startswith("```"):
                j += 1
            out.append({"lang": lang, "code": "\n".join(lines[i + 1:j]) + "\n", "section": section, "sub": sub})
            i = j
        i += 1
    return out


def commands(code: str) -> list[str]:
    """The commands of a shell block: one per line (a continued line and a heredoc with
    its body are one), comments and blank lines dropped."""
    out, lines, i = [], code.splitlines(), 0
    while i < len(lines):
        line = lines[i].strip()
        i += 1
        while line.endswith("\\") and i < len(lines):  # a continued line
            line = line[:-1] + " " + lines[i].strip()
            i += 1
        if not line or line.startswith("#"):
            continue
        m = re.search(r"<<-?\s*'?(\w+)'?", line)
        if m:
            body = [line]
            while lines[i].strip() != m.group(1):
                body.append(lines[i])
                i += 1
            body.append(lines[i])
            i += 1
            out.append("\n".join(body))
        else:
            out.append(line)
    return out


def argv_of(command: str) -> list[str] | None:
    """The argv of a ``synthrm`` command line (trailing comment dropped), else None."""
    if not command.startswith("synthrm "):
        return None
    return shlex.split(command, comments=True)


def quick_start() -> list[str]:
    return [c for b in blocks(README.read_text()) if (b["section"], b["sub"]) == RUN_SECTION and b["lang"] == "bash"
            for c in commands(b["code"])]


# ----------------------------------------------------------------------------- scaling down

def _flag(argv: list[str], flag: str) -> str | None:
    return argv[argv.index(flag) + 1] if flag in argv else None


def _put(argv: list[str], flag: str, value: str) -> list[str]:
    """``flag value`` replaced or appended."""
    if flag in argv:
        k = argv.index(flag)
        return argv[:k + 1] + [value] + argv[k + 2:]
    return argv + [flag, value]


def tiny(argv: list[str]) -> list[str]:
    """A quick-start command at tiny sizes: the same command, smaller."""
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "generate":
        if _flag(argv, "--preset") == "indoor-apartment":
            for flag, v in (("--scenes", "1"), ("--tx-per-scene", "2"), ("--samples-per-tx", "200000"),
                            ("--voxel-size", "0.2")):
                argv = _put(argv, flag, v)
            return argv + TINY_INDOOR
        # city: 2 frames (a plan brings its own), 64x48, 1e5 rays; a small city (a YAML
        # config keeps its own: its Tx list is placed in it)
        argv = [a for k, a in enumerate(argv) if not a.startswith("camera.resolution=")
                and not (a == "--set" and argv[k + 1].startswith("camera.resolution="))]
        if "--plan" not in argv:
            argv = _put(argv, "--frames", "2")
        argv = _put(_put(argv, "--resolution", "64x48"), "--samples-per-tx", "100000")
        return argv + ["--set", "render.spp=2"] + ([] if "--config" in argv else TINY_CITY)
    if cmd == "orchestrate":
        for flag, v in (("--candidates", "8"), ("--views", "2"), ("--resolution", "96x72")):
            argv = _put(argv, flag, v)
        return argv + TINY_CITY
    if cmd == "relabel":
        return _put(argv, "--samples-per-tx", "100000")
    if cmd == "train":
        voxels = _flag(argv, "--model") == "senseray3d"
        for flag, v in (("--epochs", "1"), ("--max-steps-per-epoch", "1" if voxels else "2"),
                        ("--batch-size", "1" if voxels else "2"), ("--width", "12" if voxels else "8")):
            argv = _put(argv, flag, v)
        return argv
    return argv


# ----------------------------------------------------------------------------- fast checks

def test_every_readme_block_is_run_or_accounted_for():
    seen = set()
    for b in blocks(README.read_text()):
        where = (b["section"], b["sub"])
        if b["lang"] not in ("bash", "python"):
            continue
        assert where == RUN_SECTION or where in NOT_RUN, f"README block in {where} is neither run nor accounted for"
        seen.add(where)
    assert RUN_SECTION in seen and set(NOT_RUN) <= seen, "a block this test accounts for is gone from the README"
    make = (ROOT / "Makefile").read_text()
    for b in blocks(README.read_text()):
        for c in commands(b["code"]) if b["lang"] == "bash" else []:
            if c.startswith("make "):
                assert re.search(rf"^{c.split()[1]}:", make, re.M), f"README: `{c}` but no such Makefile target"
            if c.startswith("python benchmarks/") or c.startswith("bash benchmarks/"):
                assert (ROOT / c.split()[1]).is_file(), f"README: `{c}`: no such script"


def test_every_readme_and_docs_command_parses():
    """Every ``synthrm`` command written in the README and the docs is one the CLI takes
    (no renamed flag, no abbreviation, no removed command)."""
    from synthrm.cli import build_parser

    parser = build_parser()
    docs = [README, *sorted((ROOT / "docs").glob("*.md"))]
    n = 0
    for doc in docs:
        for b in blocks(doc.read_text()):
            if b["lang"] not in ("bash", "sh", ""):
                continue
            for c in (part for cmd in commands(b["code"]) for part in re.split(r"\s+(?:&&|\|\||;)\s+", cmd)):
                argv = argv_of(c)
                if argv is None or any(a.startswith("[") or "..." in a or re.fullmatch(r"[A-Z_]+", a) for a in argv[1:]):
                    continue  # not synthrm, or a synopsis with [optional] / PLACEHOLDER parts
                try:
                    args, extra = parser.parse_known_args(argv[1:])
                except SystemExit:
                    pytest.fail(f"{doc.name}: `{c}` does not parse")
                assert not extra, f"{doc.name}: `{c}`: unknown arguments {extra}"
                n += 1
    assert n >= 40, n  # the README's quick start alone has more


def test_the_quick_start_makes_every_folder_it_uses():
    """Every dataset, run and plan a quick-start command reads was made by an earlier line."""
    made, used = set(), 0
    for c in quick_start():
        m = re.match(r"cat > (\S+) <<", c)
        if m:  # a heredoc writes a file (the YAML config)
            made.add(m.group(1))
        argv = argv_of(c)
        if argv is None:
            continue
        cmd = argv[1]
        reads = []
        if cmd in ("show", "export-ply", "export", "validate", "relabel", "import-synthrm-platform", "export-model"):
            reads.append(argv[2])
        if cmd == "report":
            reads += [a for a in argv[2:argv.index("--out")]] + (argv[argv.index("--runs") + 1:]
                                                                 if "--runs" in argv else [])
        for flag in ("--run", "--plan", "--config", "--onnx"):
            if flag in argv:
                reads.append(_flag(argv, flag))
        if "--data" in argv:
            k = argv.index("--data") + 1
            while k < len(argv) and not argv[k].startswith("--"):
                reads.append(argv[k])
                k += 1
        for r in reads:
            assert r.rstrip("/") in made, f"README quick start: `{c}` reads {r}, which no earlier line makes"
            used += 1
        if "--out" in argv:
            made.add(_flag(argv, "--out").rstrip("/"))
    assert used >= 20


def test_tiny_scales_sizes_only():
    a = "synthrm generate --preset city-mix --frames 8 --resolution 128x96 --seed 2 --out data/mix".split()
    t = tiny(a)
    assert _flag(t, "--frames") == "2" and _flag(t, "--resolution") == "64x48" and _flag(t, "--seed") == "2"
    assert _flag(t, "--out") == "data/mix" and "city.blocks_x=2" in t
    t = tiny("synthrm generate --preset city-mix --set camera.resolution=[128,96] --out data/s".split())
    assert not any(x.startswith("camera.resolution") for x in t) and _flag(t, "--resolution") == "64x48"
    t = tiny("synthrm train --model senseray3d --data d --out r --epochs 4".split())
    assert _flag(t, "--epochs") == "1" and _flag(t, "--width") == "12" and _flag(t, "--model") == "senseray3d"
    assert tiny(["synthrm", "show", "d", "--out", "f.png"]) == ["synthrm", "show", "d", "--out", "f.png"]


# ----------------------------------------------------------------------------- running it

def run_quick_start(workdir: Path, scale=tiny, log=print) -> list[tuple[str, float]]:
    """Run the quick start's commands (``scale``d) in ``workdir`` with this Python's
    environment first on PATH, then the README's Python block; returns (command, seconds)
    per command. A failing command fails with its output."""
    workdir.mkdir(parents=True, exist_ok=True)
    venv = workdir / ".venv"
    if not venv.exists():  # `. .venv/bin/activate` of the quick start: this interpreter's environment
        (venv / "bin").mkdir(parents=True)
        (venv / "bin" / "activate").write_text(f'export PATH="{Path(sys.executable).parent}:$PATH"\n')
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env.pop("RAY_ADDRESS", None)
    times, activate = [], ""
    for c in quick_start():
        if c.startswith(". "):
            activate = c  # sourced before every command
            continue
        argv = argv_of(c)
        line = shlex.join(scale(argv)) if argv else c
        t0 = time.perf_counter()
        p = subprocess.run(["bash", "-c", f"set -euo pipefail\n{activate}\n{line}"], cwd=workdir, env=env,
                           capture_output=True, text=True)
        dt = time.perf_counter() - t0
        assert p.returncode == 0, f"README quick start: `{line}` exited {p.returncode}:\n{p.stdout[-3000:]}\n" \
                                  f"{p.stderr[-3000:]}"
        assert "Traceback" not in p.stderr, f"`{line}`:\n{p.stderr[-3000:]}"
        times.append((c, dt))
        log(f"{dt:7.1f} s  {line}")
    for b in blocks(README.read_text()):
        if b["lang"] == "python" and b["section"] == RUN_SECTION[0]:
            p = subprocess.run(["bash", "-c", f"{activate}\npython -"], input=b["code"], cwd=workdir, env=env,
                               capture_output=True, text=True)
            assert p.returncode == 0, f"README Python block:\n{p.stderr[-3000:]}"
            times.append(("python block", 0.0))
    return times


@pytest.mark.slow
def test_the_quick_start_runs_top_to_bottom(tmp_path):
    times = run_quick_start(tmp_path / "clone")
    n = sum(1 for c in quick_start() if argv_of(c))
    assert sum(1 for c, _ in times if c.startswith("synthrm ")) == n >= 30
    # what the lines promise is there
    for path in ("data/dt", "data/mix", "data/indoor", "data/imported", "data/planned", "data/try", "runs/rus",
                 "runs/sr3d", "report/index.html", "plan/plan.json", "blocks/block_4", "m.ply", "planes.ply",
                 "fig.png", "graph.png", "pred.png", "pred_indoor.png", "ns/transforms.json",
                 "colmap/indoor-apartment-0000/images.txt"):
        assert (tmp_path / "clone" / path).exists(), path
    from synthrm.dataset.validate import validate_dataset

    for d in ("data/dt", "data/indoor", "data/imported", "data/try", "data/dt_more"):
        rep = validate_dataset(tmp_path / "clone" / d)
        assert rep.ok, rep.text()


if __name__ == "__main__":  # python tests/test_readme.py --full DIR: the README's times
    if len(sys.argv) != 3 or sys.argv[1] != "--full":
        sys.exit("usage: python tests/test_readme.py --full DIR")
    total = sum(t for _, t in run_quick_start(Path(sys.argv[2]), scale=lambda a: a))
    print(f"{total:7.1f} s  in all")
