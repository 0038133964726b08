import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_cli_refuses_corrupt_image_with_its_name(tiny_data: Path, tmp_path: Path) -> None:
    (tiny_data / "Bean___healthy" / "broken.jpg").write_bytes(b"not a jpeg")
    r = subprocess.run(
        [sys.executable, "-m", "trainer", "validate", "--data", str(tiny_data), "--out", str(tmp_path / "o")],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2
    assert "Bean___healthy/broken.jpg" in r.stderr and "--skip-corrupt" in r.stderr
    assert (tmp_path / "o" / "validation.json").is_file()  # the report is written before refusing
