"""What an obligation's proof depends on, read from the source with `ast` (nothing imported).

The dependency closure starts at the obligation function (its contracts included) and follows
what it mentions, transitively: a name to the definition in its own file or to what the file
imported under that name, `module.attr` to that module's definition (through re-exports), and
any other attribute (`hwp.translation_map`, a method of a parameter) to every definition of
that name. Definitions are functions, methods, classes and module-level assignments. The
by-name fallback over-approximates (an edit may re-prove more than needed) but never misses a
dependency, which is what a stale PROVEN would need; `tests/test_deps.py` checks that every
function an obligation runs is in its closure. The prover's own files are
not followed by name: they are hashed whole into every key (`prover_digest`).

Two rules keep the closure from growing past what runs. Imports run one way (spec, then
canonical, then RISC-V), so an obligation about the spec alone never runs canonical or RISC-V
code, and one about canonical->spec never runs RISC-V code: the closure does not enter those
folders (`OUTSIDE`; the tracing test checks it too). And a module-level statement that is no
definition (`TABLE.pop(k)`, `X += 1`, a loop filling a table) can change any definition of
any module once imported, so the text of all such statements goes into every key (`loose`).
"""
from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Set, Tuple

PACKAGES = ("abstract", "concrete", "refinement")

# Files no proof executes: the command line and the reports. Left out of the index, so that a
# name they share with the model (a table such as `ABI_ITEMS` is reached through a common name)
# no longer re-proves obligations when a report changes.
REPORTING = frozenset(f"refinement/{m}.py" for m in (
    "__main__", "cli", "coverage", "mutate", "mutants", "report", "report_ci", "report_html", "snippets", "watch"))
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
    first: int = 0   # line range in `file` (for the soundness test's trace)
    last: int = 0


Binding = Tuple[str, ...]  # ("module", "a.b") or ("name", "a.b", "attr")


@dataclass
class Index:
    """Every top-level definition (and method) of the model files, and each file's imports."""
    root: Path
    by_name: Dict[str, List[Definition]]                  # simple name -> definitions anywhere
    top: Dict[Tuple[str, str], List[Definition]]          # (file, name) -> top-level definitions
    imports: Dict[str, Dict[str, Set[Binding]]]           # file -> bound name -> what it is
    files: Set[str]
    refs: Dict[Tuple[str, str], List[Definition]] = field(default_factory=dict)  # memo of `_references`

    def get(self, name: str) -> List[Definition]:
        return self.by_name.get(name, [])


def project_files(root: Path) -> List[Path]:
    return sorted(p for pkg in PACKAGES for p in (root / pkg).rglob("*.py"))


def stamp(root: Path) -> Dict[str, Tuple[int, int]]:
    """When each project file was last written, and its size: cheap enough to take before every
    verdict is cached, so that a file saved while a proof runs is noticed (`changed_since`)."""
    out = {}
    for p in project_files(root):
        st = p.stat()
        out[p.relative_to(root).as_posix()] = (st.st_mtime_ns, st.st_size)
    return out


def changed_since(root: Path, before: Dict[str, Tuple[int, int]]) -> List[str]:
    """The project files written, added or removed since `before` was taken."""
    now = stamp(root)
    return sorted(f for f in set(now) | set(before) if now.get(f) != before.get(f))


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


def _module_file(root: Path, module: str) -> Optional[str]:
    base = module.replace(".", "/")
    for rel in (f"{base}.py", f"{base}/__init__.py"):
        if (root / rel).exists():
            return rel
    return None


def _imports(tree: ast.AST, root: Path) -> Dict[str, Set[Binding]]:
    """What each imported name is bound to, anywhere in the file (function-level imports too)."""
    out: Dict[str, Set[Binding]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    out.setdefault(a.asname, set()).add(("module", a.name))
                else:  # `import a.b` binds `a`
                    out.setdefault(a.name.split(".")[0], set()).add(("module", a.name.split(".")[0]))
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                full = f"{node.module}.{a.name}"
                kind = ("module", full) if _module_file(root, full) else ("name", node.module, a.name)
                out.setdefault(a.asname or a.name, set()).add(kind)
    return out


def _top_level(body: List[ast.stmt]) -> Iterator[ast.stmt]:
    """Module-level statements, looking into `if` and `try` blocks (conditional definitions)."""
    for node in body:
        if isinstance(node, ast.If):
            yield from _top_level(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            yield from _top_level(node.body + node.orelse + node.finalbody
                                  + [s for h in node.handlers for s in h.body])
        else:
            yield node


def index(root: Path) -> Index:
    """Every top-level definition (and method) of the model files, by name and by file."""
    idx = Index(root, {}, {}, {}, set())

    def add(rel: str, name: str, qualname: str, lines: List[str], node: ast.AST, source: str = "") -> None:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        d = Definition(rel, qualname, source or _segment(lines, node), first, node.end_lineno or first)
        idx.by_name.setdefault(name, []).append(d)
        if "." not in qualname:
            idx.top.setdefault((rel, name), []).append(d)

    for path in model_files(root):
        text = path.read_text()
        lines = text.splitlines(keepends=True)
        rel = path.relative_to(root).as_posix()
        tree = ast.parse(text)
        idx.files.add(rel)
        idx.imports[rel] = _imports(tree, root)
        for node in _top_level(tree.body):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                add(rel, node.name, node.name, lines, node)
            elif isinstance(node, ast.ClassDef):
                add(rel, node.name, node.name, lines, node, _class_header(lines, node))
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        add(rel, item.name, f"{node.name}.{item.name}", lines, item)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    for name in (n.id for n in ast.walk(t) if isinstance(n, ast.Name)):
                        add(rel, name, name, lines, node)
    return idx


def _in_module(idx: Index, module: str, name: str, depth: int = 0) -> List[Definition]:
    """The definitions `module.name` refers to, following re-exports. Outside the model files
    (a library, or the prover, which is hashed whole) there is nothing to follow; a name the
    module neither defines nor imports falls back to every definition of that name."""
    rel = _module_file(idx.root, module)
    if rel is None or rel not in idx.files or depth > 8:
        return []
    found = list(idx.top.get((rel, name), ()))
    for b in idx.imports[rel].get(name, ()):
        if b[0] == "name":
            found += _in_module(idx, b[1], b[2], depth + 1)
        else:
            return found  # a submodule: the module object itself is no definition
    return found or idx.get(name)


def _references(idx: Index, d: Definition) -> Iterator[Definition]:
    """What a definition's source can reach: names through this file's definitions and
    imports, `module.attr` through that module; any other `x.attr` (a method of a parameter,
    say) to every definition named `attr`, which over-approximates but never misses."""
    try:
        tree = ast.parse(d.source if not d.source.startswith((" ", "\t")) else "if True:\n" + d.source)
    except SyntaxError:
        return
    bound = idx.imports.get(d.file, {})
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            yield from idx.top.get((d.file, node.id), ())
            for b in bound.get(node.id, ()):
                if b[0] == "name":
                    yield from _in_module(idx, b[1], b[2])
        elif isinstance(node, ast.Attribute):
            base = node.value.id if isinstance(node.value, ast.Name) else None
            modules = [b[1] for b in bound.get(base, ()) if b[0] == "module"] if base else []
            if modules and (d.file, base) not in idx.top:
                for m in modules:
                    yield from _in_module(idx, m, node.attr)
            else:
                yield from idx.get(node.attr)


def closure(idx: Index, start: Iterable[Definition], outside: Tuple[str, ...] = ()) -> List[Definition]:
    seen: Dict[Tuple[str, str], Definition] = {}
    todo = list(start)
    while todo:
        d = todo.pop()
        key = (d.file, d.qualname)
        if key in seen or d.file.startswith(outside):
            continue
        seen[key] = d
        if key not in idx.refs:
            idx.refs[key] = list(_references(idx, d))
        todo.extend(idx.refs[key])
    return sorted(seen.values(), key=lambda d: (d.file, d.qualname))


Root = Tuple[str, str]  # (file relative to root, top-level name), or (file, "row:NAME") for a table row

# Folders an obligation's proof cannot run, by its layers (imports run one way).
OUTSIDE = {"spec": ("abstract/canonical/", "concrete/"), "canonical->spec": ("concrete/",),
           "canonical": ("concrete/",)}


@dataclass(frozen=True)
class Target:
    roots: Tuple[Root, ...]       # where the closure starts
    outside: Tuple[str, ...] = ()  # folders it never enters


def reach(idx: Index, target: Target) -> List[Definition]:
    """Every definition the proof of `target` can run."""
    return closure(idx, _start(idx, target.roots), target.outside)


def _start(defs: Index, roots: Iterable[Root]) -> List[Definition]:
    """Definitions a closure starts from. A transition row (`row:NAME`) starts from the lines
    of the table that declare it, so editing the row re-proves its obligations."""
    out: List[Definition] = []
    for file, name in roots:
        if name.startswith("row:"):
            out.append(_row(defs.root, file, name[4:]))
        else:
            out.extend(defs.top.get((file, name), []))
    return out


def _row(root: Path, file: str, name: str) -> Definition:
    lines = (root / file).read_text().splitlines(keepends=True)
    first = next((i for i, text in enumerate(lines) if f'"{name}"' in text), None)
    if first is None:
        return Definition(file, f"row:{name}", "")
    last = first + 1
    while last < len(lines) and lines[last].startswith((" " * 8, ")")) and not lines[last].lstrip().startswith("#"):
        last += 1
    source = "".join(lines[first:last])
    return Definition(file, f"row:{name}", "if True:\n" + source if source.startswith(" ") else source, first + 1, last)


def loose(root: Path) -> str:
    """Hash of every module-level statement of the model files that defines nothing: it runs on
    import and can change any definition (`TABLE.pop(k)` in one file empties another's table),
    so it belongs to every key. Imports and docstrings are left out: they change no value."""
    h = hashlib.sha256()
    for path in model_files(root):
        tree = ast.parse(path.read_text())
        for node in _top_level(tree.body):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign,
                                 ast.AnnAssign, ast.Import, ast.ImportFrom)):
                continue
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                continue  # a docstring
            h.update(f"\0{path.relative_to(root).as_posix()}\0{ast.dump(node)}".encode())
    return h.hexdigest()


def fingerprints(root: Path, targets: Dict[str, Target], salt: str = "") -> Dict[str, str]:
    """{obligation id: hash of every definition it can reach and of every module-level
    statement that defines nothing}; `salt` adds sizes, options, versions."""
    defs = index(root)
    common = f"{salt}\0{loose(root)}"
    out = {}
    for ob_id, target in targets.items():
        # The id first: obligations of one row and layers reach the same code (a layer pair's
        # kinds share their body), so without it their keys would collide.
        h = hashlib.sha256(f"{ob_id}\0{common}".encode())
        for d in reach(defs, target):
            h.update(f"\0{d.file}\0{d.qualname}\0{d.source}".encode())
        out[ob_id] = h.hexdigest()
    return out


def targets(obligations: Iterable) -> Dict[str, Target]:
    """{id: where its closure starts and which folders it cannot enter}: its function, or the
    roots a generated obligation names."""
    return {ob.id: Target(tuple(getattr(ob, "roots", ()) or ((ob.module.replace(".", "/") + ".py", ob.qualname),)),
                          OUTSIDE.get(getattr(getattr(ob, "layers", None), "value", None), ()))
            for ob in obligations}


def depends_on(root: Path, obligations: Iterable, file: str, qualname: str) -> List[str]:
    """Ids of the obligations whose closure contains the definition `qualname` in `file`."""
    defs = index(root)
    hits = []
    for ob_id, target in targets(obligations).items():
        reached = reach(defs, target)
        if any((d.file, d.qualname) == (file, qualname) for d in reached):
            hits.append(ob_id)
    return hits
