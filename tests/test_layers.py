"""The app's layers point one way: the shared modules and db/ under the panels, the panels
under the operations, the operations under the faces (whmcs, admin, clientarea,
monitoring, and the pages' template tags), and the wiring (apps, tasks, urls, commands,
migrations) on top. A lower module never imports a higher one, not even inside a
function: it tells the higher one through a hand-off (provisioning/handoffs.py)."""

import ast
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "provisioning"

SHARED, PANELS, OPERATIONS, FACES, WIRING = range(5)
WINGS = {
    "db": SHARED,
    "panels": PANELS,
    "operations": OPERATIONS,
    "whmcs": FACES,
    "admin": FACES,
    "clientarea": FACES,
    "monitoring": FACES,
    "templatetags": FACES,  # the pages' filters
    "management": WIRING,
    "migrations": WIRING,
}
WIRING_MODULES = {"apps", "tasks", "urls"}
NAMES = ["shared", "panels", "operations", "faces", "wiring"]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(APP.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> int:
    parts = module.split(".")[1:]
    if not parts:
        return SHARED
    if parts[0] in WINGS:
        return WINGS[parts[0]]
    return WIRING if parts[0] in WIRING_MODULES else SHARED


def _is_module(name: str) -> bool:
    path = APP.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def imported(path: Path) -> list[tuple[int, str]]:
    """(line, module) of each of the app's modules that `path` imports, anywhere in it."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                # `from . import schedules` imports a module, not a name of the package.
                sub = f"{target}.{alias.name}"
                found.append((node.lineno, sub if _is_module(sub) else target))
    return [(line, name) for line, name in found if name.split(".")[0] == "provisioning"]


def layer_violations() -> list[str]:
    problems = []
    for path in sorted(APP.rglob("*.py")):
        source = module_name(path)
        for line, target in imported(path):
            if layer(target) > layer(source):
                problems.append(
                    f"{path.relative_to(APP.parent)}:{line}: {source} ({NAMES[layer(source)]})"
                    f" imports {target} ({NAMES[layer(target)]})"
                )
    return problems


def test_the_layers_are_read_from_the_imports():
    assert layer("provisioning.models") == SHARED
    assert layer("provisioning.db.task_broker") == SHARED
    assert layer("provisioning.panels.imscp.client") == PANELS
    assert layer("provisioning.operations.worker") == OPERATIONS
    assert layer("provisioning.monitoring.incidents") == FACES
    assert layer("provisioning.tasks") == WIRING
    worker = imported(APP / "operations" / "worker.py")
    assert any(name == "provisioning.panels.commands" for _, name in worker)
    assert any(name == "provisioning.models" for _, name in worker)
    apps = imported(APP / "apps.py")
    assert any(name == "provisioning.schedules" for _, name in apps), "a function's import"


def test_no_module_imports_a_higher_layer():
    problems = layer_violations()
    assert not problems, "imports against the layers:\n" + "\n".join(problems)
