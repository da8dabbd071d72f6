"""The catalogue map: a 2-D projection of the movie vectors, computed once per bundle.

PCA, not UMAP: it is deterministic, costs one thin SVD (seconds at a million movies), needs no
new dependency, and keeps global distances honest — two clusters far apart on the map are far
apart in the embedding — where UMAP's prettier local clusters come with distances that mean
little between them.
"""

from __future__ import annotations

import numpy as np


def pca_2d(vectors: np.ndarray) -> np.ndarray:
    """``(n, 2)`` float32 coordinates of ``vectors`` ``(n, d)`` on their two principal axes,
    each axis's sign fixed so that its largest coordinate is positive (a stable picture)."""
    centred = np.asarray(vectors, dtype=np.float64) - vectors.mean(axis=0)
    if len(centred) < 2:
        return np.zeros((len(centred), 2), dtype=np.float32)
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    points = centred @ axes[:2].T
    if points.shape[1] < 2:
        points = np.pad(points, ((0, 0), (0, 2 - points.shape[1])))
    signs = np.sign(points[np.abs(points).argmax(axis=0), [0, 1]])
    return (points * np.where(signs == 0, 1, signs)).astype(np.float32)
