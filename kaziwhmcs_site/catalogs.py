"""Compiles the translations (locale/<code>/LC_MESSAGES/django.po) into the .mo files
Django reads, in pure Python (Babel): a fresh machine needs no GNU gettext. `make run`
and `make test` call it; a deployment runs `python -m kaziwhmcs_site.catalogs` once
after each update. Only .po files are committed; a .mo older than its .po is rebuilt."""

import os
import sys
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


class CatalogError(Exception):
    pass


def _catalog_read(po_path: Path):
    with po_path.open("rb") as po_file:
        return read_po(po_file, locale=po_path.parent.parent.name)


def _problems(po_path: Path, catalog) -> list[str]:
    return [
        f"{po_path}:{message.lineno}: {message.id!r}: {error}"
        for message, errors in catalog.check()
        for error in errors
    ]


def catalog_problems(po_path: Path) -> list[str]:
    """What would make the catalog wrong at run time: a translation whose placeholders
    differ from its message's (Django would raise or print it wrong)."""
    return _problems(po_path, _catalog_read(po_path))


def catalog_compile(po_path: Path) -> Path:
    catalog = _catalog_read(po_path)
    problems = _problems(po_path, catalog)
    if problems:
        raise CatalogError("\n".join(problems))
    mo_path = po_path.with_suffix(".mo")
    # Written aside, then renamed: a test run or a server reading it never sees half a file.
    handle, temporary = tempfile.mkstemp(dir=po_path.parent, suffix=".mo.tmp")
    try:
        with os.fdopen(handle, "wb") as mo_file:
            write_mo(mo_file, catalog, use_fuzzy=False)
        os.replace(temporary, mo_path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return mo_path


def catalogs_compile(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Compile every catalog whose .mo is missing or older than its .po; returns those."""
    written = []
    for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        written.append(catalog_compile(po_path))
    return written


if __name__ == "__main__":
    try:
        for path in catalogs_compile():
            print(f"compiled {path.relative_to(LOCALE_DIR.parent)}")
    except CatalogError as error:
        sys.exit(f"translations not compiled:\n{error}")
