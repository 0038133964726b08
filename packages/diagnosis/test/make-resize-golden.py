"""Writes resize-golden.json: Pillow centre crop, then BILINEAR resize (as trainer/data.py app_preprocess), of deterministic images.
Run with the trainer venv: $(bash scripts/trainer-env.sh)/bin/python packages/diagnosis/test/make-resize-golden.py"""
import base64
import json
from pathlib import Path

import numpy as np
from PIL import Image

cases = []
for w, h, ow, oh in [(37, 23, 8, 8), (96, 96, 84, 84), (100, 80, 32, 32), (5, 5, 9, 9), (200, 150, 16, 16)]:
    rng = np.random.default_rng(w * 1000 + h)
    # Smooth gradient plus noise: like a photo, not like white noise.
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack([xx * 255 / max(w - 1, 1), yy * 255 / max(h - 1, 1), (xx + yy) * 127 / max(w + h - 2, 1)], -1)
    arr = np.clip(base + rng.normal(0, 20, base.shape), 0, 255).astype(np.uint8)
    side = min(w, h)
    left, top = (w - side) // 2, (h - side) // 2
    out = Image.fromarray(arr).crop((left, top, left + side, top + side)).resize((ow, oh), Image.BILINEAR)
    cases.append({"width": w, "height": h, "outWidth": ow, "outHeight": oh, "seed": w * 1000 + h,
                  "input": base64.b64encode(arr.tobytes()).decode(),
                  "output": base64.b64encode(np.asarray(out).tobytes()).decode()})
Path(__file__).with_name("resize-golden.json").write_text(json.dumps(cases))
