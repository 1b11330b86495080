"""Knowledge files: YAML parsed once per content and kept beside the file, like bytecode."""

from __future__ import annotations

import os
import sys

import pytest

from knowledge import parsed


@pytest.fixture
def writes_kept_copies(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(sys, "dont_write_bytecode", False)  # the test run sets PYTHONDONTWRITEBYTECODE


def kept(folder):  # type: ignore[no-untyped-def]
    return sorted(p.name for p in (folder / "__pycache__").glob("*.pickle"))


def test_a_parsed_file_is_read_back_without_parsing(tmp_path, monkeypatch, writes_kept_copies) -> None:
    source = tmp_path / "faq.yaml"
    source.write_text("topics:\n  - name: FERPA\n    answer: Only what the agreement names.\n", encoding="utf-8")
    first = parsed.load(source)
    assert first == {"topics": [{"name": "FERPA", "answer": "Only what the agreement names."}]}
    assert len(kept(tmp_path)) == 1 and kept(tmp_path)[0].startswith("faq.yaml.")

    def no_parsing(text: str) -> None:
        raise AssertionError("parsed again although the file did not change")

    monkeypatch.setattr(parsed, "parse_yaml", no_parsing)
    assert parsed.load(source) == first


def test_an_edit_is_never_served_stale(tmp_path, writes_kept_copies) -> None:
    """Keyed by content: an edit that keeps the size and the modification time is still seen."""
    source = tmp_path / "abbreviations.yaml"
    source.write_text("abbreviations: {psc: personal services contract}\n", encoding="utf-8")
    stamp = source.stat()
    assert parsed.load(source) == {"abbreviations": {"psc": "personal services contract"}}
    source.write_text("abbreviations: {psc: personal service5 contract}\n", encoding="utf-8")
    os.utime(source, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert parsed.load(source) == {"abbreviations": {"psc": "personal service5 contract"}}
    assert len(kept(tmp_path)) == 1, "the copy of the old content is dropped"


def test_a_damaged_copy_is_parsed_again(tmp_path, writes_kept_copies) -> None:
    source = tmp_path / "regions.yaml"
    source.write_text("regions: [North, Southeast]\n", encoding="utf-8")
    parsed.load(source)
    copy = next((tmp_path / "__pycache__").glob("*.pickle"))
    copy.write_bytes(b"\x80\x05half a pick")
    assert parsed.load(source) == {"regions": ["North", "Southeast"]}


def test_nothing_is_written_where_bytecode_would_not_be(tmp_path, monkeypatch) -> None:
    source = tmp_path / "breaks.yaml"
    source.write_text("breaks: []\n", encoding="utf-8")
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    assert parsed.load(source) == {"breaks": []}
    assert not (tmp_path / "__pycache__").exists()
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    (tmp_path / "__pycache__").write_text("a file where the folder would be", encoding="utf-8")
    assert parsed.load(source) == {"breaks": []}, "an unwritable place is not an error"
