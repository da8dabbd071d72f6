import numpy as np
import pytest

from graphrec.similarity import IndexLayout, item_vectors


def test_inner_products_blend_both_cosines() -> None:
    rng = np.random.default_rng(0)
    embeddings = rng.normal(size=(5, 4))
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    features = rng.random((5, 3))
    vectors = item_vectors(embeddings, features, 0.25)
    unit = features / np.linalg.norm(features, axis=1, keepdims=True)
    expected = 0.75 * embeddings @ embeddings.T + 0.25 * unit @ unit.T
    assert vectors.shape == (5, 7) and vectors.dtype == np.float32
    assert np.allclose(vectors @ vectors.T, expected, atol=1e-6)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)


def test_weight_zero_is_the_embeddings_and_bad_weight_fails() -> None:
    embeddings = np.eye(3)
    assert np.allclose(item_vectors(embeddings, np.ones((3, 2)), 0.0)[:, :3], embeddings)
    with pytest.raises(ValueError, match=r"attribute_weight must lie in \[0, 1\]"):
        item_vectors(embeddings, np.ones((3, 2)), 1.5)


def test_layout_queries_score_the_item_space_only() -> None:
    layout = IndexLayout.for_spaces(embedding_dim=2, item_dim=3)
    embeddings = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    items = np.array([[1.0, 0.0, 0.0], [0.6, 0.8, 0.0]], dtype=np.float32)
    rows = layout.rows(embeddings, items, np.array([0.5, 2.0], dtype=np.float32))
    assert rows.shape == (2, layout.dim) == (2, 6)
    query = layout.similarity_query(rows[0], weight=0.1)
    assert np.allclose(query @ rows.T, [1.0 + 0.05, 0.6 + 0.2]), "item cosine + 0.1 · log pop"
    with pytest.raises(ValueError, match="do not fit"):
        layout.rows(embeddings, items[:, :2], np.zeros(2, dtype=np.float32))
