"""Initial weights: the offline Keras MobileNetV2-0.35 (TF.js export) converted for timm."""
