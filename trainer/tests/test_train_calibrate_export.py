import json
from pathlib import Path

import numpy as np
import onnx
import torch

from trainer.metrics import ece, fit_temperature, softmax


def test_training_writes_log_curve_and_checkpoints(tiny_run: tuple[Path, Path]) -> None:
    _, run = tiny_run
    rows = [json.loads(line) for line in (run / "train_log.jsonl").read_text().splitlines()]
    assert [r["phase"] for r in rows][-2:] == ["tail", "full"]
    assert all(np.isfinite(r["train_loss"]) for r in rows)
    assert (run / "training-curve.png").stat().st_size > 1000
    assert {p.name for p in (run / "checkpoints").iterdir()} == {"head.pt", "tail.pt", "full.pt", "final.pt"}
    head = next(r for r in rows if r["phase"] == "head")
    assert head["val_acc_species"] >= 0.75  # 4 easy classes: clearly above chance (0.25)


def test_temperature_recovers_a_known_miscalibration() -> None:
    rng = np.random.default_rng(0)
    true_logits = rng.normal(0, 2, (4000, 5))
    y = np.array([rng.choice(5, p=p) for p in softmax(true_logits)])
    overconfident = true_logits * 3.0
    t = fit_temperature(overconfident, y)
    assert 2.6 < t < 3.4
    assert ece(softmax(overconfident, t), y) < ece(softmax(overconfident), y) / 2


def test_calibration_report(tiny_run: tuple[Path, Path]) -> None:
    _, run = tiny_run
    cal = json.loads((run / "calibration.json").read_text())
    assert cal["temperature"]["species"] > 0 and cal["temperature"]["disease"] > 0
    assert set(cal["thresholds"]) == {"notALeaf", "crop", "disease", "margin"}
    assert all(0 <= v <= 1 for v in cal["thresholds"].values())
    for kind in ("species", "disease"):  # temperature scaling minimises NLL, so it can only improve it
        assert cal["nll"][kind]["after"] <= cal["nll"][kind]["before"] + 1e-9
        assert 0 <= cal["ece"][kind]["after"] <= 1
    assert (run / "reliability-species.png").is_file() and (run / "reliability-disease.png").is_file()


def test_export_is_one_uint8_nhwc_graph_with_logits_and_cam_matching_pytorch(tiny_run: tuple[Path, Path]) -> None:
    from trainer.train import load_checkpoint

    _, run = tiny_run
    ex = json.loads((run / "export" / "export.json").read_text())
    assert (ex["file"], ex["outputs"]) == ("leafnet.onnx", {"species": "species_logits", "disease": "disease_logits"})
    assert sorted(p.name for p in (run / "export").glob("*.onnx")) == ["leafnet.int8.onnx", "leafnet.onnx"]
    m = onnx.load(str(run / "export" / "leafnet.onnx"))
    [inp] = m.graph.input
    assert inp.name == "image" and inp.type.tensor_type.elem_type == onnx.TensorProto.UINT8
    assert [d.dim_value for d in inp.type.tensor_type.shape.dim][1:] == [32, 32, 3]
    widths = {o.name: o.type.tensor_type.shape.dim[-1].dim_value for o in m.graph.output if o.name.endswith("_logits")}
    assert widths == {"species_logits": len(ex["meta"]["speciesLabels"]), "disease_logits": len(ex["meta"]["diseaseLabels"])}
    [cam] = [o for o in m.graph.output if o.name == "disease_cam"]
    assert cam.type.tensor_type.shape.dim[1].dim_value == len(ex["meta"]["diseaseLabels"])
    assert ex["cam"] == {"name": "disease_cam", "height": 1, "width": 1}  # 32 px in, stride 32
    assert ex["camMaxDiff"]["fp32"] < 1e-4
    net, _ = load_checkpoint(run / "checkpoints" / "final.pt")
    convs = sum(isinstance(mod, torch.nn.Conv2d) for mod in net.backbone.modules())
    # the backbone is in the graph once, plus the 1x1 convolution that makes the class activation maps
    assert sum(n.op_type == "Conv" for n in m.graph.node) == convs + 1
    assert ex["bytes"]["int8"] < ex["bytes"]["fp32"] == (run / "export" / "leafnet.onnx").stat().st_size
    for head in ("species", "disease"):
        fp32, int8 = ex["parity"][head]["fp32"], ex["parity"][head]["int8"]
        assert fp32["top1Agreement"] == 1.0 and fp32["maxProbDiff"] < 1e-4
        # The tiny model's logits are close together, so int8 may flip a few; the real bundle's numbers are in export.json.
        assert int8["top1Agreement"] >= 0.75 and 0 <= int8["maxProbDiff"] <= 1


def test_one_graph_run_per_diagnosis(tiny_run: tuple[Path, Path]) -> None:
    from trainer.evaluate import Models, latency_ms

    _, run = tiny_run
    models = Models.load(run)
    assert list(models.graphs()) == [run / "export" / "leafnet.onnx"]
    lat = latency_ms(models, np.zeros((32, 32, 3), np.uint8), runs=5)
    assert lat["graphRunsPerDiagnosis"] == 1 and lat["runs"] == 5 and lat["median"] > 0


def test_shared_and_two_file_bundles_evaluate_alike() -> None:
    """The fixture bundles: Python's reads one graph at two outputs, TypeScript's two files; same tiny weights."""
    from trainer.bundle.make_fixtures import FIXTURES
    from trainer.evaluate import Models

    shared, two = Models.load(FIXTURES / "signed-by-python"), Models.load(FIXTURES / "signed-by-ts")
    assert len(shared.graphs()) == 1 and len(two.graphs()) == 2
    assert shared.size_bytes() == (FIXTURES / "signed-by-python" / "leafnet.onnx").stat().st_size
    images = np.random.default_rng(1).integers(0, 256, (70, 32, 32, 3), dtype=np.uint8)  # more than one batch of 64
    a, b = shared.logits(images), two.logits(images)
    assert a["species"].shape == (70, 3) and a["disease"].shape == (70, 4)
    for head in ("species", "disease"):
        np.testing.assert_array_equal(a[head], b[head])


def test_evaluate_reports_everything(tiny_run: tuple[Path, Path], tmp_path: Path) -> None:
    from trainer.evaluate import evaluate

    data, run = tiny_run
    res = evaluate(run, data, tmp_path / "ev", splits_dir=run, split="test", measure_latency=False)
    assert res["images"] == sum(1 for line in (run / "splits.csv").read_text().splitlines() if line.endswith(",test"))
    for key in ("accuracy", "macroF1", "ece", "perClass"):
        assert key in res["species"] and key in res["disease"]
    assert 0 <= res["notSure"]["coverage"] <= 1 and len(res["notSure"]["sweep"]) == 20
    assert "rejected" in res["notALeaf"]
    cm = json.loads((tmp_path / "ev" / "confusion-disease.json").read_text())
    assert np.array(cm["matrix"]).sum() == res["disease"]["n"]
    assert (tmp_path / "ev" / "confusion-disease.png").is_file() and (tmp_path / "ev" / "coverage.png").is_file()


def test_field_proxy_perturbs_deterministically(tiny_run: tuple[Path, Path], tmp_path: Path) -> None:
    from trainer.data import load_arrays
    from trainer.evaluate import evaluate, field_proxy, samples_for

    data, run = tiny_run
    samples = samples_for(data, run, "test")
    a, b = field_proxy(data, samples, 32), field_proxy(data, samples, 32)
    clean = load_arrays(data, samples, 32, 0)[0]
    assert a.shape == clean.shape and np.array_equal(a, b)
    assert np.abs(a.astype(int) - clean.astype(int)).mean() > 5
    res = evaluate(run, data, tmp_path / "fp", splits_dir=run, split="test", measure_latency=False, perturb=True)
    assert res["fieldProxy"] is True and res["images"] == len(samples) and 0 <= res["disease"]["accuracy"] <= 1


def test_cam_mean_plus_bias_is_the_disease_logit(tiny_run: tuple[Path, Path]) -> None:
    """Global average pooling and a linear head make the class activation map exact: its mean is the logit."""
    from trainer.export import CAM, run_onnx
    from trainer.model import ExportNet, Normalisation
    from trainer.onnx_session import session
    from trainer.train import load_checkpoint

    _, run = tiny_run
    net, meta = load_checkpoint(run / "checkpoints" / "final.pt")
    module = ExportNet(net, Normalisation(tuple(meta["mean"]), tuple(meta["std"]))).eval()
    images = np.random.default_rng(1).integers(0, 256, (3, 64, 64, 3), dtype=np.uint8)  # 2x2 maps
    with torch.no_grad():
        _, logits, cam = module(torch.from_numpy(images))
    bias = net.disease.bias.detach().numpy()
    np.testing.assert_allclose(cam.mean((2, 3)).numpy() + bias, logits.numpy(), atol=1e-5)
    out = run_onnx(session(run / "export" / "leafnet.onnx"), images[:, :32, :32], {"disease": "disease_logits", "cam": CAM})
    assert out["cam"].shape == (3, len(meta["diseaseLabels"]), 1, 1)
    np.testing.assert_allclose(out["cam"][:, :, 0, 0] + bias, out["disease"], atol=1e-4)
