"""The translations' build step: .po to .mo in pure Python, only when a .po changed, and
never a catalog whose placeholders differ from its messages'."""

import gettext
import os

import pytest

from kaziwhmcs_site.catalogs import CatalogError, catalogs_compile

HEADER = """msgid ""
msgstr ""
"Language: {code}\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"

"""


def write_po(locale_dir, code: str, entries: str):
    path = locale_dir / code / "LC_MESSAGES" / "django.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER.format(code=code) + entries, encoding="utf-8")
    return path


def test_it_compiles_a_catalog_that_gettext_reads(tmp_path):
    po = write_po(
        tmp_path,
        "de",
        'msgid "Disk space"\nmsgstr "Speicherplatz"\n\n'
        'msgctxt "size unit: 10^9 bytes"\nmsgid "GB"\nmsgstr "GB"\n',
    )
    assert catalogs_compile(tmp_path) == [po.with_suffix(".mo")]
    with po.with_suffix(".mo").open("rb") as mo:
        catalog = gettext.GNUTranslations(mo)
    assert catalog.gettext("Disk space") == "Speicherplatz"
    assert catalog.pgettext("size unit: 10^9 bytes", "GB") == "GB"


def test_it_compiles_again_only_a_catalog_whose_po_changed(tmp_path):
    de = write_po(tmp_path, "de", 'msgid "Usage"\nmsgstr "Nutzung"\n')
    fr = write_po(tmp_path, "fr", 'msgid "Usage"\nmsgstr "Consommation"\n')
    assert len(catalogs_compile(tmp_path)) == 2
    assert catalogs_compile(tmp_path) == []
    later = de.with_suffix(".mo").stat().st_mtime + 10
    os.utime(fr, (later, later))
    assert catalogs_compile(tmp_path) == [fr.with_suffix(".mo")]


def test_a_translation_with_other_placeholders_is_refused_and_not_compiled(tmp_path):
    po = write_po(
        tmp_path,
        "fr",
        '#, python-format\nmsgid "Back to %(domain)s"\nmsgstr "Retour à %(domaine)s"\n',
    )
    with pytest.raises(CatalogError, match="domaine"):
        catalogs_compile(tmp_path)
    assert not po.with_suffix(".mo").exists()
    assert list(po.parent.iterdir()) == [po]
