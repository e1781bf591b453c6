"""The layers stay clean: arrows point down only (webapp -> mentorship -> matching).

matching/ knows nothing of the domain, the database or the web; mentorship/ knows nothing of
the web; the web reaches the engine only through mentorship; inside mentorship, core is the
floor, no service reaches up to the jobs, the CLI or the demo, and no feature package uses a
sibling's private names.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "matching": {"flask", "sqlalchemy", "mentorship", "webapp", "marshmallow"},
    "mentorship": {"flask", "webapp"},
    # The web asks mentorship, which asks the engine.
    "webapp": {"matching"},
    # Views and API stay thin: queries live in mentorship's services.
    "webapp/views": {"sqlalchemy"},
    "webapp/api": {"sqlalchemy"},
}
# Modules that run a round's job or a command: nothing below them may import them.
UPPER = ("mentorship.rounds.jobs", "mentorship.cli", "mentorship.demo")
MAY_IMPORT_UPPER = {"mentorship/cli.py", "mentorship/demo"}


def imports(path: Path) -> list[tuple[str, list[str]]]:
    """Every absolute import of a file (also those inside functions): (module, names)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, [alias.name for alias in node.names]))
    return found


def modules(package: str) -> list[Path]:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"{package}/ has no modules"
    return files


def where(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_respect_the_layers(package):
    offenders = {}
    for path in modules(package):
        bad = sorted({module.split(".")[0] for module, _ in imports(path)} & FORBIDDEN[package])
        if bad:
            offenders[where(path)] = bad
    assert offenders == {}


def test_core_imports_no_feature_package():
    offenders = {where(path): module for path in modules("mentorship/core")
                 for module, _ in imports(path)
                 if module.startswith("mentorship.") and not module.startswith("mentorship.core")}
    assert offenders == {}


def test_no_service_imports_the_jobs_the_cli_or_the_demo():
    offenders = {}
    for path in modules("mentorship"):
        if any(where(path).startswith(allowed) for allowed in MAY_IMPORT_UPPER):
            continue
        own = where(path).removesuffix(".py").replace("/", ".")
        for module, names in imports(path):
            targets = [module] + [f"{module}.{name}" for name in names]
            if any(t.startswith(upper) and not own.startswith(upper) for t in targets
                   for upper in UPPER):
                offenders.setdefault(where(path), []).append(module)
    assert offenders == {}


def test_no_package_imports_another_packages_private_names():
    offenders = {}
    for package in ("matching", "mentorship", "webapp"):
        for path in modules(package):
            own_package = where(path).split("/")[:2]
            for module, names in imports(path):
                parts = module.split(".")
                if parts[0] not in ("matching", "mentorship", "webapp"):
                    continue
                private = [name for name in names if name.startswith("_")]
                private += [part for part in parts if part.startswith("_")]
                if private and parts[:2] != own_package:
                    offenders.setdefault(where(path), []).append(f"{module}: {private}")
    assert offenders == {}


def test_the_rules_catch_what_they_forbid(tmp_path):
    """The checks themselves work: a file with each forbidden import is found."""
    sample = tmp_path / "sample.py"
    sample.write_text("from matching import Profile\nfrom mentorship.rounds.jobs import start_preview\n"
                      "def f():\n    from mentorship.people.accounts import _aware\n")
    found = imports(sample)
    assert ("matching", ["Profile"]) in found
    assert ("mentorship.rounds.jobs", ["start_preview"]) in found
    assert ("mentorship.people.accounts", ["_aware"]) in found
