"""Knowledge files: YAML parsed once per content and kept beside the file, like bytecode."""

from __future__ import annotations

import os
import subprocess
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


def test_a_new_parser_parses_again(tmp_path, monkeypatch, writes_kept_copies) -> None:
    source = tmp_path / "services.yaml"
    source.write_text("services: {tutoring: Tutoring}\n", encoding="utf-8")
    parsed.load(source)
    calls = []
    real = parsed.parse_yaml
    monkeypatch.setattr(parsed, "parse_yaml", lambda text: calls.append(text) or real(text))
    parsed.load(source)
    assert calls == []
    monkeypatch.setattr(parsed, "_parser_identity", lambda: "PyYAML, upgraded")
    assert parsed.load(source) == {"services": {"tutoring": "Tutoring"}} and len(calls) == 1


def test_a_copy_holds_the_content_its_name_was_taken_from(tmp_path, monkeypatch, writes_kept_copies) -> None:
    """The file edited between its digest and its parse: the copy filed under the old content's
    digest is the old content."""
    source = tmp_path / "regions.yaml"
    old, new = "regions: [North]\n", "regions: [South]\n"
    source.write_text(old, encoding="utf-8")
    real = parsed._kept_path

    def edited_meanwhile(path, data):  # type: ignore[no-untyped-def]
        kept = real(path, data)
        source.write_text(new, encoding="utf-8")
        return kept

    monkeypatch.setattr(parsed, "_kept_path", edited_meanwhile)
    assert parsed.load(source) == {"regions": ["North"]}
    monkeypatch.setattr(parsed, "_kept_path", real)
    assert parsed.load(source) == {"regions": ["South"]}
    source.write_text(old, encoding="utf-8")  # the edit undone: its copy is read back
    assert parsed.load(source) == {"regions": ["North"]}


def test_a_copy_is_as_readable_as_its_file(tmp_path, writes_kept_copies) -> None:
    source = tmp_path / "faq.yaml"
    source.write_text("topics: []\n", encoding="utf-8")
    source.chmod(0o644)
    parsed.load(source)
    copy = next((tmp_path / "__pycache__").glob("*.pickle"))
    assert copy.stat().st_mode & 0o777 == 0o644  # another user running the bot can read it


def test_only_the_same_files_older_copies_are_dropped(tmp_path, writes_kept_copies) -> None:
    for name in ("a1.yaml", "a[1].yaml", "a[1].yaml.old.yaml"):
        (tmp_path / name).write_text(f"name: {name}\n", encoding="utf-8")
        parsed.load(tmp_path / name)
    (tmp_path / "a[1].yaml").write_text("name: edited\n", encoding="utf-8")
    assert parsed.load(tmp_path / "a[1].yaml") == {"name": "edited"}
    assert sorted(name.rsplit(".", 2)[0] for name in kept(tmp_path)) == ["a1.yaml", "a[1].yaml", "a[1].yaml.old.yaml"]


def test_a_file_inside_a_zip_is_parsed(tmp_path) -> None:
    import zipfile

    archive = tmp_path / "knowledge.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("knowledge/breaks.yaml", "breaks: [winter]\n")
    assert parsed.load(zipfile.Path(archive, "knowledge/breaks.yaml")) == {"breaks": ["winter"]}


def test_a_warm_process_does_not_load_the_parser(tmp_path) -> None:
    """The shipped knowledge through `knowledge`: the second process reads every file from its copy,
    filed under PYTHONPYCACHEPREFIX as bytecode would be."""
    probe = ("import sys, knowledge; knowledge.intent_examples(); knowledge.intent_summaries(); "
             "knowledge.abbreviations(); knowledge.load_yaml('faq.yaml'); print('yaml' in sys.modules)")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(tmp_path)
    runs = [subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True).stdout
            for _ in range(2)]
    assert runs == ["True\n", "False\n"]
    assert any(tmp_path.rglob("faq.yaml.*.pickle")) and any(tmp_path.rglob("intents/agreement.yaml.*.pickle"))
