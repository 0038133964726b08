"""Per-epoch JSONL log, training-curve PNG, and W&B only when configured (optional import)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


class RunLog:
    def __init__(self, run_dir: Path, wandb_project: str = "") -> None:
        self.path = run_dir / "train_log.jsonl"
        self.path.write_text("")
        self.rows: list[dict[str, Any]] = []
        self.wandb: Any = None
        project = wandb_project or os.environ.get("WANDB_PROJECT", "")
        if project:
            import wandb  # optional: only installed where W&B is used

            self.wandb = wandb.init(project=project, dir=str(run_dir))

    def log(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        with self.path.open("a") as f:
            f.write(json.dumps(row) + "\n")
        if self.wandb is not None:
            self.wandb.log(row)

    def plot(self, out: Path) -> None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
        xs = list(range(1, len(self.rows) + 1))
        ax1.plot(xs, [r["train_loss"] for r in self.rows], label="train loss")
        ax1.set_xlabel("epoch (all phases)")
        ax1.legend()
        for key in ("train_acc_disease", "val_acc_disease", "val_acc_species"):
            ax2.plot(xs, [r[key] for r in self.rows], label=key)
        ax2.set_ylim(0, 1)
        ax2.legend()
        for i, r in enumerate(self.rows):
            if i and r["phase"] != self.rows[i - 1]["phase"]:
                for ax in (ax1, ax2):
                    ax.axvline(i + 0.5, color="grey", lw=0.5)
        fig.tight_layout()
        fig.savefig(out, dpi=100)
        plt.close(fig)

    def close(self) -> None:
        if self.wandb is not None:
            self.wandb.finish()
