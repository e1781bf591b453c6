"""The layers stay clean: matching/ knows nothing of the domain, the database or the web."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "matching": {"flask", "sqlalchemy", "mentorship", "webapp", "marshmallow"},
    "mentorship": {"flask", "webapp"},
    # Views and API stay thin: queries live in mentorship's services.
    "webapp/views": {"sqlalchemy"},
    "webapp/api": {"sqlalchemy"},
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_respect_the_layers(package):
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"{package}/ has no modules"
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_modules(path) & FORBIDDEN[package])
        for path in files
        if imported_modules(path) & FORBIDDEN[package]
    }
    assert offenders == {}
