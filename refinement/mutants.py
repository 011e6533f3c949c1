"""Mutants of the model: small, syntactically valid changes to its source, found with `ast`.

A mutant is one change at one place: a comparison, arithmetic or boolean operator swapped, an
integer constant moved by one, a call whose result replaces one of its own arguments dropped
(`hw = fence(hw, k)` becomes `hw = hw`), or one field update of `replace(...)` dropped.
Contracts (decorators), annotations, default values, docstrings and f-strings are never mutated: a mutant
changes behaviour, and `refine mutate` asks whether some obligation notices.

A mutant's id is stable under edits elsewhere in the file (it names the function, not the
line), so the reviewed list of equivalent mutants survives unrelated changes.
"""
from __future__ import annotations

import ast
import copy
import difflib
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

OPERATORS = ("comparison", "arithmetic", "constant", "boolean", "call", "field")

_CMP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
        ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In}
_ARITH = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.FloorDiv, ast.FloorDiv: ast.Mult,
          ast.Mod: ast.FloorDiv, ast.LShift: ast.RShift, ast.RShift: ast.LShift, ast.BitXor: ast.BitOr}
# `&` and `|` join the model's conditions (branch-free, CrossHair-friendly), so they count as
# boolean operators, as `and`/`or`/`not` do.
_BOOL = {ast.BitAnd: ast.BitOr, ast.BitOr: ast.BitAnd}
_NEGATIONS = ("lnot",)  # the model's negation helper: `lnot(x)` dropped to `x`


@dataclass(frozen=True)
class Mutant:
    id: str
    file: str            # relative to the project root, POSIX
    line: int
    operator: str
    start: Tuple[int, int]  # (line, byte column) of the replaced source, 1-based lines
    end: Tuple[int, int]
    before: str
    after: str

    def apply(self, text: str) -> str:
        """`text` (the file's source) with this mutant's change made."""
        lines = text.splitlines(keepends=True)
        (l1, c1), (l2, c2) = self.start, self.end
        head = lines[l1 - 1].encode()[:c1].decode()
        tail = lines[l2 - 1].encode()[c2:].decode()
        return "".join(lines[:l1 - 1]) + head + self.after + tail + "".join(lines[l2:])

    def diff(self, text: str) -> str:
        """A unified diff of the changed lines, file-relative."""
        old, new = text.splitlines(keepends=True), self.apply(text).splitlines(keepends=True)
        return "".join(difflib.unified_diff(old, new, f"a/{self.file}", f"b/{self.file}", n=0))


class _Finder(ast.NodeVisitor):
    """Every mutation site of one module, in source order."""

    def __init__(self, file: str, source: str) -> None:
        self.file, self.source = file, source
        self.scope: List[str] = []
        self.found: List[Mutant] = []
        self.seen: dict = {}

    # Where a mutant would not change behaviour, or would only break a contract: skip.
    def _visit_function(self, node) -> None:
        # Default values are left alone: the transition rows pass every input, so a default
        # the model relies on is a name (`nc: int = NC`), and a constant default never runs.
        self.scope.append(node.name)
        for stmt in _without_docstring(node.body):
            self.visit(stmt)
        self.scope.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = _visit_function

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.scope.append(node.name)
        for stmt in _without_docstring(node.body):
            self.visit(stmt)
        self.scope.pop()

    def visit_Module(self, node: ast.Module) -> None:
        for stmt in _without_docstring(node.body):
            if not isinstance(stmt, (ast.Import, ast.ImportFrom)):
                self.visit(stmt)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        return

    def visit_Assert(self, node: ast.Assert) -> None:
        return  # a check, not behaviour

    # The operators.
    def visit_Compare(self, node: ast.Compare) -> None:
        for i, op in enumerate(node.ops):
            swap = _CMP.get(type(op))
            if swap:
                mutated = copy.deepcopy(node)
                mutated.ops[i] = swap()
                self._add(node, "comparison", mutated)
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        for table, operator in ((_ARITH, "arithmetic"), (_BOOL, "boolean")):
            swap = table.get(type(node.op))
            if swap:
                self._add(node, operator, ast.BinOp(node.left, swap(), node.right))
        self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        swap = ast.Or if isinstance(node.op, ast.And) else ast.And
        self._add(node, "boolean", ast.BoolOp(swap(), node.values))
        self.generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if isinstance(node.op, ast.Not):
            self._add(node, "boolean", node.operand)
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, bool):
            self._add(node, "boolean", ast.Constant(not node.value))
        elif isinstance(node.value, int):
            self._add(node, "constant", ast.Constant(node.value + 1))

    def visit_Assign(self, node: ast.Assign) -> None:
        # A dropped call: `x = f(..., x, ...)` becomes `x = x` (the state passes through).
        call, targets = node.value, {t.id for t in node.targets if isinstance(t, ast.Name)}
        args = call.args if isinstance(call, ast.Call) else []
        kept = next((a for a in args if isinstance(a, ast.Name) and a.id in targets), None)
        if kept is not None:
            self._add(call, "call", ast.Name(kept.id))
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name == "replace" and len(node.args) == 1:
            for i in range(len(node.keywords)):
                mutated = copy.deepcopy(node)
                del mutated.keywords[i]
                self._add(node, "field", mutated)
        if name in _NEGATIONS and len(node.args) == 1 and not node.keywords:
            self._add(node, "boolean", node.args[0])
        self.generic_visit(node)

    def _add(self, node: ast.AST, operator: str, mutated: ast.AST) -> None:
        before = ast.get_source_segment(self.source, node) or ast.unparse(node)
        after = f"({ast.unparse(mutated)})"
        qualname = ".".join(self.scope) or "<module>"
        stem = f"{self.file}:{qualname}:{operator}:{ast.unparse(node)}->{after}"
        n = self.seen[stem] = self.seen.get(stem, 0) + 1  # the same change twice in one function
        digest = hashlib.sha1(f"{stem}#{n}".encode()).hexdigest()[:8]
        self.found.append(Mutant(f"{self.file}:{qualname}:{operator}:{digest}", self.file, node.lineno,
                                 operator, (node.lineno, node.col_offset),
                                 (node.end_lineno, node.end_col_offset), before, after))


def _without_docstring(body: Sequence[ast.stmt]) -> Sequence[ast.stmt]:
    first = body[0] if body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        return body[1:]
    return body


def find(root: Path, under: Sequence[str], skip: Sequence[str] = ()) -> List[Mutant]:
    """Every mutant of the `.py` files under the folders `under` (relative to `root`; a `.py`
    file stands for itself), in a fixed order, leaving out the files named in `skip`."""
    found: List[Mutant] = []
    for folder in under:
        top = root / folder
        for path in [top] if top.is_file() else sorted(top.rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            if rel in skip:
                continue
            source = path.read_text()
            finder = _Finder(rel, source)
            finder.visit(ast.parse(source))
            found.extend(finder.found)
    return found


def sample(mutants: Sequence[Mutant], size: Optional[int], seed: int) -> List[Mutant]:
    """`size` mutants drawn with `seed` (all of them when size is None or larger), in file order.
    The draw ranks each mutant by a hash of the seed and its id, so an edit that adds or removes
    sites elsewhere leaves the rest of the draw as it was."""
    if size is None or size >= len(mutants):
        return list(mutants)
    rank = sorted(mutants, key=lambda m: hashlib.sha256(f"{seed}\0{m.id}".encode()).hexdigest())
    chosen = {m.id for m in rank[:size]}
    return [m for m in mutants if m.id in chosen]

