"""The converted torch network must reproduce a plain NumPy run of the Keras topology on real images."""

from pathlib import Path

import numpy as np
import pytest
import torch

from trainer.data import app_preprocess, open_rgb
from trainer.model import create_backbone
from trainer.weights.convert import keras_to_timm_state_dict
from trainer.weights.keras_tfjs import DEFAULT_DIR, load_tfjs, pooled_features

from .conftest import REAL_DATA

pytestmark = pytest.mark.skipif(not (DEFAULT_DIR / "model.json").is_file(), reason="../shared/weights not present")


def real_images(size: int) -> np.ndarray:
    paths = sorted((REAL_DATA / "plantvillage" / "Tomato___Late_blight").glob("*.jpg"))[:2]
    paths += sorted((REAL_DATA / "ibean" / "test" / "Bean___Bean_rust").glob("*.jpg"))[:2]
    paths += sorted((REAL_DATA / "plantvillage" / "Background_without_leaves").glob("*.jpg"))[:1]
    return np.stack([app_preprocess(open_rgb(p), size) for p in paths])


@pytest.mark.parametrize("size", [224, 160])
def test_converted_network_matches_keras_numpy_forward(size: int) -> None:
    tfjs = load_tfjs()
    net = create_backbone("mobilenetv2_035", keras_style=True)
    missing, unexpected = net.load_state_dict(keras_to_timm_state_dict(tfjs), strict=False)
    assert unexpected == [] and all("num_batches_tracked" in k for k in missing)
    images = real_images(size)
    x = images.astype(np.float64) / 127.5 - 1.0
    reference = pooled_features(tfjs, x)
    with torch.no_grad():
        ours = net.eval()(torch.from_numpy(x).permute(0, 3, 1, 2).float()).numpy()
    assert ours.shape == reference.shape == (5, 1280)
    np.testing.assert_allclose(ours, reference, atol=1e-4 * np.abs(reference).max())
    # The features discriminate: different images give clearly different vectors.
    assert np.abs(reference[0] - reference[2]).max() > 0.1


def test_symmetric_padding_would_be_measurably_wrong() -> None:
    """Why KerasSamePadConv exists: timm's default padding shifts the stride-2 grid."""
    tfjs = load_tfjs()
    plain = create_backbone("mobilenetv2_035", keras_style=False)
    plain.load_state_dict(keras_to_timm_state_dict(tfjs), strict=False)
    x = real_images(160).astype(np.float64) / 127.5 - 1.0
    reference = pooled_features(tfjs, x)
    with torch.no_grad():
        ours = plain.eval()(torch.from_numpy(x).permute(0, 3, 1, 2).float()).numpy()
    assert np.abs(ours - reference).max() > 1e-2 * np.abs(reference).max()


def test_bad_weights_folder_is_reported(tmp_path: Path) -> None:
    (tmp_path / "model.json").write_text((DEFAULT_DIR / "model.json").read_text())
    (tmp_path / "weights.bin").write_bytes(b"\0" * 400)
    with pytest.raises(ValueError, match=r"weights\.bin holds 100 floats"):
        load_tfjs(tmp_path)
