#!/usr/bin/env python3
"""Writes metric_fixtures.json next to this script: reference answers from scikit-learn and scipy for the
AnomalyDetection metric tests. Run once (`pip install scikit-learn`; numpy and scipy needed); the output is
committed. Deterministic: the same library versions give a byte-identical file.

Contents:
- image_cases: scores with many ties, labels; sklearn roc_auc_score, roc_curve(drop_intermediate=False),
  F1-max over precision_recall_curve (value and np.argmax threshold).
- pixel_cases: several small images, score maps with ties, masks with several 8-connected regions and normal
  images; pooled pixel AUROC and F1-max (sklearn) for all images and for anomalous images only, and AUPRO from a
  direct NumPy transcription of the MVTec definition (scipy labels, float64 cumulative sums, limit 0.3).
- label_cases: random masks and scipy.ndimage.label(mask, structure=np.ones((3, 3))).
All scores are float32 values, so the Swift side reads them exactly as Float or Double.
"""
import json
import os

import numpy as np
import scipy
import scipy.ndimage as ndimage
import sklearn
from sklearn.metrics import precision_recall_curve, roc_auc_score, roc_curve

RNG = np.random.default_rng(20240601)


def float32_list(values):
    return [float(v) for v in np.asarray(values, dtype=np.float32).ravel()]


def f1_max(labels, scores):
    precision, recall, thresholds = precision_recall_curve(labels, scores)
    precision, recall = precision[:-1], recall[:-1]  # the appended (1, 0) point has no threshold
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    best = int(np.argmax(f1))
    near = np.count_nonzero(f1 >= f1[best] - 1e-12)
    return {"value": float(f1[best]), "threshold": float(thresholds[best]), "unique": bool(near == 1)}


def quantised_scores(count, levels, scale, offset):
    return np.float32(np.round(RNG.random(count) * levels) / levels * scale + offset)


def image_case(name, count, levels, scale=1.0, offset=0.0, positive_rate=0.4, shift=0.3):
    labels = RNG.random(count) < positive_rate
    labels[0], labels[1] = True, False
    scores = quantised_scores(count, levels, scale, offset) + np.float32(labels * shift * scale)
    scores = np.float32(scores)
    fpr, tpr, thresholds = roc_curve(labels, scores, drop_intermediate=False)
    return {
        "name": name, "scores": float32_list(scores), "labels": [bool(v) for v in labels],
        "auroc": float(roc_auc_score(labels, scores)),
        # the first point is (0, 0) at threshold +inf, which JSON cannot hold; it is left out
        "roc_fpr": [float(v) for v in fpr[1:]], "roc_tpr": [float(v) for v in tpr[1:]],
        "roc_thresholds": [float(v) for v in thresholds[1:]],
        "f1_max": f1_max(labels, scores),
    }


def blob_mask(height, width, blobs):
    mask = np.zeros((height, width), dtype=bool)
    for _ in range(blobs):
        cy, cx = RNG.integers(0, height), RNG.integers(0, width)
        ry, rx = RNG.integers(0, 3), RNG.integers(0, 4)
        mask[max(0, cy - ry):cy + ry + 1, max(0, cx - rx):cx + rx + 1] = True
    # sprinkle isolated pixels and diagonal neighbours so that 8-connectivity matters
    mask |= RNG.random((height, width)) < 0.02
    return mask


def mvtec_aupro(maps, masks, limit):
    """The MVTec AUPRO, transcribed from its definition (reference-anomaly-detection.md section 3, steps 1-6)."""
    fp_changes, pro_changes, scores = [], [], []
    normal_total = sum(int(np.count_nonzero(~m)) for m in masks)
    regions = []
    for mask in masks:
        labels, count = ndimage.label(mask, structure=np.ones((3, 3)))
        regions.append((labels, count))
    region_total = sum(count for _, count in regions)
    for score, mask, (labels, count) in zip(maps, masks, regions):
        fp = (~mask).astype(np.float64) / normal_total
        pro = np.zeros(mask.shape, dtype=np.float64)
        for k in range(1, count + 1):
            region = labels == k
            pro[region] = 1.0 / np.count_nonzero(region) / region_total
        fp_changes.append(fp.ravel())
        pro_changes.append(pro.ravel())
        scores.append(np.asarray(score, dtype=np.float64).ravel())
    scores = np.concatenate(scores)
    order = np.argsort(scores, kind="stable")[::-1]
    sorted_scores = scores[order]
    fprs = np.cumsum(np.concatenate(fp_changes)[order])
    pros = np.cumsum(np.concatenate(pro_changes)[order])
    keep = np.append(np.diff(sorted_scores) != 0, True)
    fprs = np.clip(fprs[keep], None, 1.0)
    pros = np.clip(pros[keep], None, 1.0)
    fprs = np.concatenate(([0.0], fprs, [1.0]))
    pros = np.concatenate(([0.0], pros, [1.0]))
    correction = 0.0
    if limit not in fprs:
        insert = int(np.searchsorted(fprs, limit, side="right"))
        x0, x1, y0, y1 = fprs[insert - 1], fprs[insert], pros[insert - 1], pros[insert]
        y_limit = y0 + (y1 - y0) * (limit - x0) / (x1 - x0)
        correction = 0.5 * (y_limit + y0) * (limit - x0)
    inside = fprs <= limit
    x, y = fprs[inside], pros[inside]
    return float((np.sum(0.5 * (y[1:] + y[:-1]) * (x[1:] - x[:-1])) + correction) / limit)


def pixel_case(name, shapes, levels, scale=1.0, offset=0.0, normal_images=2, blobs=3):
    maps, masks = [], []
    for index, (height, width) in enumerate(shapes):
        mask = np.zeros((height, width), dtype=bool) if index < normal_images else blob_mask(height, width, blobs)
        score = quantised_scores(height * width, levels, scale, offset).reshape(height, width)
        score = np.float32(score + np.float32(mask * 0.25 * scale))
        maps.append(score)
        masks.append(mask)

    def pooled(selected):
        labels = np.concatenate([masks[i].ravel() for i in selected])
        scores = np.concatenate([maps[i].ravel() for i in selected])
        return {"auroc": float(roc_auc_score(labels, scores)), "f1_max": f1_max(labels, scores),
                "aupro": mvtec_aupro([maps[i] for i in selected], [masks[i] for i in selected], 0.3)}

    anomalous = [i for i, m in enumerate(masks) if m.any()]
    return {
        "name": name,
        "images": [{"width": int(m.shape[1]), "height": int(m.shape[0]), "scores": float32_list(s),
                    "mask": [int(v) for v in m.ravel()]} for s, m in zip(maps, masks)],
        "all_images": pooled(range(len(maps))),
        "anomalous_images_only": pooled(anomalous),
    }


def label_case(height, width, density):
    mask = RNG.random((height, width)) < density
    labels, count = ndimage.label(mask, structure=np.ones((3, 3)))
    return {"width": width, "height": height, "mask": [int(v) for v in mask.ravel()],
            "labels": [int(v) for v in labels.ravel()], "count": int(count)}


def main():
    fixtures = {
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "sklearn": sklearn.__version__},
        "image_cases": [
            image_case("tiny, 3 levels", 9, 3),
            image_case("40 images, 5 levels", 40, 5),
            image_case("200 images, 12 levels, negative", 200, 12, scale=2.0, offset=-1.5),
            image_case("1000 images, 40 levels, PaDiM-like range", 1000, 40, scale=40.0, offset=10.0),
            image_case("300 images, continuous", 300, 2 ** 20, positive_rate=0.2, shift=0.1),
        ],
        "pixel_cases": [
            pixel_case("5 images 12x9, 6 levels", [(9, 12)] * 5, 6),
            pixel_case("7 images of mixed sizes, 20 levels", [(8, 8), (13, 7), (5, 16), (11, 11), (6, 9), (10, 14), (3, 3)],
                       20, scale=3.0, offset=1.0, normal_images=3, blobs=4),
            pixel_case("4 images 16x16, continuous, negative", [(16, 16)] * 4, 2 ** 20, scale=2.0, offset=-1.0,
                       normal_images=1, blobs=5),
        ],
        "label_cases": [label_case(h, w, d) for h, w, d in
                        [(1, 1, 0.9), (1, 17, 0.5), (17, 1, 0.5), (6, 6, 0.45), (12, 20, 0.35), (20, 12, 0.55),
                         (31, 29, 0.4), (16, 16, 0.6), (9, 40, 0.25)]],
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "metric_fixtures.json")
    with open(path, "w") as handle:
        json.dump(fixtures, handle, sort_keys=True, separators=(",", ":"))
        handle.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
