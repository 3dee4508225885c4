"""The house rules, checked on the code itself: the import contract, no import cycle, and
one writer of a request's state. See the README's Architecture section."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "chat", "db", "usecases", "adapters", "jobs", "bot", "flexflow")
LIFECYCLE = "usecases/lifecycle.py"
NOT_A_REQUEST = {
    # BotConversation.state: python-telegram-bot's dialog step, another table's column.
    ("db/botstate.py", "dict key 'state'"),
}


def test_the_import_contract_holds() -> None:
    """import-linter's contracts in pyproject.toml (layers, forbidden imports, siblings)."""
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint), str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Every strongly connected set of two or more modules (Tarjan), i.e. every cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycle_anywhere() -> None:
    """Function-level imports count too: a cycle hidden in a function is still a cycle."""
    graph = grimp.build_graph(*PACKAGES, include_external_packages=False)
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for module in ("a", "a.x", "a.y", "a.z"):
        graph.add_module(module)
    graph.add_import(importer="a.x", imported="a.y")
    graph.add_import(importer="a.y", imported="a.x")
    graph.add_import(importer="a.z", imported="a.x")
    assert cycles(graph) == [["a.x", "a.y"]]


def state_writes(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Places that could set a request's state: ``x.state = ...`` (or ``+=``), a
    ``state=`` keyword (a constructor, ``.values(state=...)``), ``setattr(x, "state", ...)``,
    a ``"state"`` dict key (``.values({...})``), and SQL text that sets ``state``."""
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Attribute) and target.attr == "state":
                yield line, "attribute .state"
        if isinstance(node, ast.Call):
            if any(k.arg == "state" for k in node.keywords):
                yield line, "keyword state="
            name = node.func.id if isinstance(node.func, ast.Name) else ""
            if name == "setattr" and len(node.args) > 1:
                second = node.args[1]
                if isinstance(second, ast.Constant) and second.value == "state":
                    yield line, "setattr state"
        if isinstance(node, ast.Dict):
            for key in node.keys:
                if isinstance(key, ast.Constant) and key.value == "state":
                    yield line, "dict key 'state'"
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = " ".join(node.value.lower().split())
            if "set state" in text or ("state =" in text and "update" in text):
                yield line, "SQL sets state"


def product_files() -> Iterator[Path]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:  # the schema, not a writer
                yield path


def test_only_the_lifecycle_sets_a_request_s_state() -> None:
    writers = []
    for path in product_files():
        relative = path.relative_to(ROOT).as_posix()
        for line, what in state_writes(ast.parse(path.read_text(), relative)):
            if relative != LIFECYCLE and (relative, what) not in NOT_A_REQUEST:
                writers.append(f"{relative}:{line}: {what}")
    assert writers == []
    lifecycle = ast.parse((ROOT / LIFECYCLE).read_text())
    assert list(state_writes(lifecycle)), "the lifecycle writes the state, the check sees it"


@pytest.mark.parametrize(
    "source",
    [
        "row.state = 'failed'",
        "row.state += ''",
        "WorkoutRequestRow(user_id=u, state='queued')",
        "session.execute(update(WorkoutRequestRow).values(state='failed'))",
        "session.execute(update(WorkoutRequestRow).values({'state': 'failed'}))",
        "setattr(row, 'state', 'failed')",
        "session.execute(text('UPDATE workout_requests SET state = :s'))",
    ],
)
def test_the_state_check_sees_each_way_of_writing(source: str) -> None:
    assert list(state_writes(ast.parse(source)))


def test_the_state_check_lets_reads_be() -> None:
    source = "if row.state is RequestState.QUEUED and row.state in ACTIVE:\n    x = row.state"
    assert list(state_writes(ast.parse(source))) == []
