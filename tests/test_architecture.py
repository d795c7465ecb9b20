"""The package's floor plan: no import cycle (imports inside functions included), each
layer imports only the layers below it, and the learning and analysis code does not load
the ray tracer."""
import ast
import subprocess
import sys
from pathlib import Path

import synthrm

SRC = Path(synthrm.__file__).parent

#: Layers, bottom to top: a module may import its own layer and the ones below, never above.
LAYERS = [
    {"synthrm", "synthrm.errors", "synthrm.checks", "synthrm.registry", "synthrm.files", "synthrm.figures",
     "synthrm.color", "synthrm.ply", "synthrm.seeds", "synthrm.metrics", "synthrm._llvm", "synthrm._mitsuba"},
    {"synthrm.camera", "synthrm.scene"},
    {"synthrm.render", "synthrm.vas"},
    {"synthrm.radio"},
    {"synthrm.voxel", "synthrm.config", "synthrm.dataset"},
    {"synthrm.orchestrate"},
    {"synthrm.generate"},
    {"synthrm.models", "synthrm.analysis", "synthrm.export", "synthrm.viz", "synthrm.viewer"},
    {"synthrm.cli"},
]


def _modules() -> dict[str, Path]:
    out = {}
    for p in SRC.rglob("*.py"):
        parts = p.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = p
    return out


def _imports(path: Path, name: str, modules: dict) -> set[str]:
    """Every synthrm module ``path`` imports, at module level or inside functions."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            for a in node.names:
                sub = f"{base}.{a.name}"
                found.add(sub if sub in modules else base)
    return {m for m in found if m in modules and m != name}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {n: _imports(p, n, modules) for n, p in modules.items()}


def _layer(module: str) -> int:
    for i, layer in enumerate(LAYERS):
        if module in layer or any(module.startswith(top + ".") for top in layer if top != "synthrm"):
            return i
    raise AssertionError(f"{module}: in no layer of LAYERS; add it where it belongs")


def test_no_import_cycle():
    graph = _graph()
    state: dict[str, int] = {}  # 1: on the stack, 2: done

    def visit(m, stack):
        state[m] = 1
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                cycle = stack[stack.index(n):] + [n]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if n not in state:
                visit(n, stack + [n])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])


def test_the_cycle_finder_finds_a_cycle(tmp_path):
    """The walker sees imports inside functions (the way the old cycles hid)."""
    pkg = tmp_path / "p"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from p.b import g\n")
    (pkg / "b.py").write_text("from p import a\n")
    mods = {"p": pkg / "__init__.py", "p.a": pkg / "a.py", "p.b": pkg / "b.py"}
    assert _imports(pkg / "a.py", "p.a", mods) == {"p.b"}
    assert _imports(pkg / "b.py", "p.b", mods) == {"p.a"}


def test_layers_import_only_downwards():
    bad = [f"{m} (layer {_layer(m)}) imports {n} (layer {_layer(n)})"
           for m, deps in _graph().items() for n in deps
           if _layer(n) > _layer(m) and not (m == "synthrm" or n == m)]
    assert not bad, "\n".join(bad)


def test_no_private_name_crosses_a_module():
    """``from synthrm.x import _name`` only inside the package that owns ``_name``."""
    bad = []
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("synthrm"):
                owner = node.module.split(".")[:2]
                for a in node.names:
                    if a.name.startswith("_") and not a.name.startswith("__") and name.split(".")[:2] != owner:
                        bad.append(f"{name}: from {node.module} import {a.name}")
    assert not bad, "\n".join(bad)


def test_models_and_analysis_do_not_load_the_ray_tracer():
    code = ("import sys, synthrm.models, synthrm.analysis, synthrm.radio, synthrm.radio.physics; "
            "print(sorted(m for m in ('drjit', 'mitsuba', 'sionna') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out


def test_only_the_viewer_server_imports_viser():
    """viser (a web server and its client) is imported by ``synthrm.viewer.server`` alone,
    and neither the CLI nor the analysis, export or viewer packages load it on import."""
    bad = []
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            mods = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(m == "viser" or m.startswith("viser.") for m in mods) and name != "synthrm.viewer.server":
                bad.append(name)
    assert not bad, bad
    code = ("import sys, synthrm.cli, synthrm.analysis.report, synthrm.export, synthrm.viewer; "
            "synthrm.cli.build_parser(); "
            "print('viser' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False", out
