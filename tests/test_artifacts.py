"""Shipped model files are verified before use; a bad one is a clear error."""

import shutil

import pytest

from empathic.errors import ModelArtifactError
from empathic.perceive import encoder


@pytest.fixture
def models_copy(tmp_path, monkeypatch):
    target = tmp_path / "models"
    shutil.copytree(encoder.MODELS_DIR, target)
    monkeypatch.setattr(encoder, "MODELS_DIR", target)
    encoder._manifest.cache_clear()
    encoder.file_sha256.cache_clear()
    yield target
    encoder._manifest.cache_clear()
    encoder.file_sha256.cache_clear()


def test_shipped_artifacts_verify():
    for name in ("tokenizer.json", "encoder.int8.onnx", "heads.npz"):
        assert encoder.artifact(name).is_file()


def test_tampered_file_is_rejected(models_copy):
    with (models_copy / "heads.npz").open("ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(ModelArtifactError, match="sha256"):
        encoder.artifact("heads.npz")


def test_missing_file_names_the_rebuild_command(models_copy):
    (models_copy / "encoder.int8.onnx").unlink()
    with pytest.raises(ModelArtifactError, match="training/"):
        encoder.artifact("encoder.int8.onnx")


def test_encoder_size_budget():
    assert encoder.artifact("encoder.int8.onnx").stat().st_size <= 30 * 1024 * 1024
