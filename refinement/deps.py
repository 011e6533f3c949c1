"""What an obligation's proof depends on, read from the source with `ast` (nothing imported).

The dependency closure starts at the obligation function (its contracts included) and follows
every name and attribute it mentions to every project definition of that name: functions,
methods, classes and module-level assignments, transitively. Resolving by name alone
over-approximates (an edit may re-prove more than needed) but never misses a dependency that
is reached through a name, which is what a stale PROVEN would need. The prover's own files are
not followed by name: they are hashed whole into every key (`prover_digest`).
"""
from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Set, Tuple

PACKAGES = ("abstract", "concrete", "refinement")

# Files no proof executes: the command line and the reports. Left out of the index, so that a
# name they share with the model (a table such as `ABI_ITEMS` is reached through a common name)
# no longer re-proves obligations when a report changes.
REPORTING = frozenset(f"refinement/{m}.py" for m in (
    "__main__", "cli", "coverage", "report", "report_ci", "report_html", "snippets", "watch"))
# The prover: how a verdict is reached and recorded. Not resolved by name but hashed whole into
# every cache key (`prover_digest`), so any change to it re-proves everything.
PROVER = frozenset(f"refinement/{m}.py" for m in (
    "cache", "checker", "contracts", "crosshair_adapter", "deps", "outcomes", "registry", "replay",
    "results", "worker"))


@dataclass(frozen=True)
class Definition:
    file: str
    qualname: str
    source: str


def project_files(root: Path) -> List[Path]:
    return sorted(p for pkg in PACKAGES for p in (root / pkg).rglob("*.py"))


def model_files(root: Path) -> List[Path]:
    """The files whose definitions a proof can reach by name: the model, the abstractions,
    the obligations and the seeded faults."""
    return [p for p in project_files(root) if p.relative_to(root).as_posix() not in REPORTING | PROVER]


def digest(root: Path, files: Iterable[str]) -> str:
    """Hash of the named files' text (a missing file hashes as empty)."""
    h = hashlib.sha256()
    for rel in sorted(files):
        path = root / rel
        h.update(f"\0{rel}\0".encode() + (path.read_bytes() if path.exists() else b""))
    return h.hexdigest()


def prover_digest(root: Path) -> str:
    return digest(root, PROVER)


def _segment(lines: List[str], node: ast.AST) -> str:
    start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return "".join(lines[start - 1:node.end_lineno])


def _class_header(lines: List[str], node: ast.ClassDef) -> str:
    """A class without its method bodies: methods are reached by name, on their own."""
    methods = [(m.lineno - len(m.decorator_list), m.end_lineno) for m in node.body
               if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))]
    start = min([node.lineno] + [d.lineno for d in node.decorator_list])
    return "".join(line for i, line in enumerate(lines[start - 1:node.end_lineno], start)
                   if not any(a <= i <= b for a, b in methods))


def index(root: Path) -> Dict[str, List[Definition]]:
    """Every top-level definition (and method) in the project, by simple name."""
    defs: Dict[str, List[Definition]] = {}

    def add(name: str, d: Definition) -> None:
        defs.setdefault(name, []).append(d)

    for path in model_files(root):
        text = path.read_text()
        lines = text.splitlines(keepends=True)
        rel = str(path.relative_to(root))
        for node in ast.parse(text).body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                add(node.name, Definition(rel, node.name, _segment(lines, node)))
            elif isinstance(node, ast.ClassDef):
                add(node.name, Definition(rel, node.name, _class_header(lines, node)))
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        add(item.name, Definition(rel, f"{node.name}.{item.name}", _segment(lines, item)))
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    for name in (n.id for n in ast.walk(t) if isinstance(n, ast.Name)):
                        add(name, Definition(rel, name, _segment(lines, node)))
    return defs


def _mentioned(source: str) -> Set[str]:
    try:
        tree = ast.parse(source if not source.startswith((" ", "\t")) else "if True:\n" + source)
    except SyntaxError:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
    return names


def closure(defs: Dict[str, List[Definition]], start: Iterable[Definition]) -> List[Definition]:
    seen: Dict[Tuple[str, str], Definition] = {}
    todo = list(start)
    while todo:
        d = todo.pop()
        key = (d.file, d.qualname)
        if key in seen:
            continue
        seen[key] = d
        for name in _mentioned(d.source):
            todo.extend(defs.get(name, ()))
    return sorted(seen.values(), key=lambda d: (d.file, d.qualname))


def fingerprints(root: Path, targets: Dict[str, Tuple[str, str]], salt: str = "") -> Dict[str, str]:
    """{obligation id: hash of every definition it can reach}, for targets given as
    {id: (module file relative to root, function name)}; `salt` adds sizes, options, versions."""
    defs = index(root)
    out = {}
    for ob_id, (file, function) in targets.items():
        start = [d for d in defs.get(function, ()) if d.file == file]
        h = hashlib.sha256(salt.encode())
        for d in closure(defs, start):
            h.update(f"\0{d.file}\0{d.qualname}\0{d.source}".encode())
        out[ob_id] = h.hexdigest()
    return out


def targets(obligations: Iterable) -> Dict[str, Tuple[str, str]]:
    """{id: (module file relative to the project root, function name)} for registry entries."""
    return {ob.id: (ob.module.replace(".", "/") + ".py", ob.qualname) for ob in obligations}


def depends_on(root: Path, obligations: Iterable, file: str, qualname: str) -> List[str]:
    """Ids of the obligations whose closure contains the definition `qualname` in `file`."""
    defs = index(root)
    hits = []
    for ob_id, (ob_file, function) in targets(obligations).items():
        reached = closure(defs, [d for d in defs.get(function, ()) if d.file == ob_file])
        if any((d.file, d.qualname) == (file, qualname) for d in reached):
            hits.append(ob_id)
    return hits
