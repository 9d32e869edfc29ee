"""The evaluation protocol readers, checked against the published counts."""

import pytest

from empathic.errors import DataNotFoundError
from empathic.evaluate import datasets as ds

needs_data = pytest.mark.skipif(not ds.have_data(), reason="../shared/data not present")


@needs_data
def test_ed_test_has_one_sample_per_listener_turn():
    samples = ds.empathetic_dialogues("test")
    assert len(samples) == 5259  # listener turns in the 2,547 test conversations
    assert {s.emotion for s in samples} == set(ds.ED_EMOTIONS)
    first = samples[0]
    assert len(first.context) == 1 and first.context[0].startswith("Yeah about 10 years ago")


@needs_data
def test_goemotions_counts():
    assert len(ds.goemotions("test")) == 5427
    assert ds.goemotions_ekman_map()["annoyance"] == "anger"


def test_missing_data_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("EMPATHIC_DATA", str(tmp_path / "absent"))
    monkeypatch.setattr(ds, "__file__", str(tmp_path / "a" / "b" / "c" / "d.py"))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataNotFoundError, match="EMPATHIC_DATA"):
        ds.data_root()
