"""kg.yamlio parses data files with libyaml and falls back to PyYAML's pure-Python parser where
libyaml is missing: both must give the same trees, the same line numbers and the same refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

import kg.yamlio as yamlio
from kg.errors import InputError
from tests.conftest import ROOT
from tests.test_loader_errors import BILLION_LAUGHS

DATA_FILES = sorted((ROOT / "data").rglob("*.yaml"))


@pytest.fixture(params=["libyaml", "pure-python"])
def parser(request, monkeypatch):
    if request.param == "pure-python":
        monkeypatch.setattr(yamlio, "_FAST", None)
    elif yamlio._FAST is None:
        pytest.skip("PyYAML was built without libyaml")
    return request.param


def _lines(x):
    if isinstance(x, dict):
        return (x.line, x.key_lines, {k: _lines(v) for k, v in x.items()})
    if isinstance(x, list):
        return (x.line, x.item_lines, [_lines(v) for v in x])
    return None


def test_both_parsers_read_the_data_alike(monkeypatch):
    fast = [yamlio.load_yaml(f) for f in DATA_FILES]
    monkeypatch.setattr(yamlio, "_FAST", None)
    pure = [yamlio.load_yaml(f) for f in DATA_FILES]
    assert fast == pure and [_lines(x) for x in fast] == [_lines(x) for x in pure]


@pytest.mark.parametrize(
    "text, message, line",
    [
        (BILLION_LAUGHS, "YAML anchors (&l0) are not allowed", 3),
        ("- id: a\n  aliases: *x\n", "YAML aliases (*x) are not allowed", 2),
        ("- id: a\n  aliases: " + "[" * 40 + "]" * 40 + "\n", "nested more than 32 levels deep", 2),
        ("- id: a\n  aliases: " + "[" * 5000 + "]" * 5000 + "\n", "nested more than 32 levels deep", 2),
        ("- id: a\n  date: 2025-02-30\n", "'2025-02-30' is not a real date", 2),
    ],
    ids=["anchor", "alias", "deep", "deeper-than-libyaml-allows", "bad-date"],
)
def test_both_parsers_refuse_alike(parser, tmp_path: Path, text: str, message: str, line: int):
    f = tmp_path / "x.yaml"
    f.write_text(text)
    with pytest.raises(InputError) as err:
        yamlio.load_yaml(f)
    assert message in str(err.value) and err.value.where.line == line, str(err.value)
