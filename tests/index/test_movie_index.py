from pathlib import Path

import numpy as np
import pytest

from index import IndexFileError, MovieIndex


def clustered(n: int, dim: int = 16, clusters: int = 20, seed: int = 0) -> np.ndarray:
    """Unit vectors around a few centres, the shape real embeddings have."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim))
    vectors = centres[rng.integers(0, clusters, n)] + 0.3 * rng.normal(size=(n, dim))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def brute_force(vectors: np.ndarray, ids: np.ndarray, query: int, k: int) -> list[int]:
    scores = vectors @ vectors[query]
    return ids[np.argsort(-scores, kind="stable")[:k]].tolist()


def neighbours(index: MovieIndex, movie_id: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k by the stored vector of ``movie_id`` (itself first, as its own best match)."""
    scores, found = index.search(index.vector(movie_id), k)
    return scores[0], found[0]


def test_flat_matches_brute_force() -> None:
    vectors = clustered(300)
    ids = np.arange(300) * 10 + 7
    index = MovieIndex.build(ids, vectors)
    assert index.info.kind == "flat" and index.info.recall_at_10 == 1.0
    scores, found = neighbours(index, int(ids[5]), 11)
    assert found[0] == ids[5]
    assert found.tolist() == brute_force(vectors, ids, 5, 11)
    assert np.all(np.diff(scores) <= 1e-6)


def test_approximate_index_reaches_recall_target() -> None:
    vectors = clustered(4000, seed=1)
    ids = np.arange(4000, dtype=np.int64) + 1
    index = MovieIndex.build(ids, vectors, exact_max=1000)
    assert index.info.kind == "ivf" and index.info.recall_at_10 >= 0.95
    hits = 0
    for query in range(0, 4000, 40):
        _, found = neighbours(index, int(ids[query]), 10)
        hits += len(set(found.tolist()) & set(brute_force(vectors, ids, query, 10)))
    assert hits / (100 * 10) >= 0.95


@pytest.mark.parametrize("exact_max", [100_000, 100])
def test_add_remove_and_round_trip(tmp_path: Path, exact_max: int) -> None:
    vectors = clustered(500)
    ids = np.arange(500)
    index = MovieIndex.build(ids, vectors, exact_max=exact_max)
    assert index.remove(np.array([3, 4, 9999])) == 2
    assert 3 not in index and 5 in index and len(index) == 498
    index.add(np.array([10_003]), vectors[3:4])
    with pytest.raises(ValueError, match="already indexed"):
        index.add(np.array([10_003]), vectors[3:4])
    assert neighbours(index, 10_003, 1)[1].tolist() == [10_003]
    with pytest.raises(KeyError):
        index.vector(3)
    digest = index.save(tmp_path / "index.faiss")
    loaded = MovieIndex.load(tmp_path / "index.faiss", expected_sha256=digest)
    assert len(loaded) == 499 and loaded.info == index.info
    assert np.array_equal(loaded.vector(10_003), vectors[3])
    assert neighbours(loaded, 7, 5)[1].tolist() == neighbours(index, 7, 5)[1].tolist()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp files


def test_damaged_file_is_refused(tmp_path: Path) -> None:
    index = MovieIndex.build(np.arange(10), clustered(10))
    digest = index.save(tmp_path / "index.faiss")
    with (tmp_path / "index.faiss").open("r+b") as handle:
        handle.seek(40)
        handle.write(b"\xff\xff")
    with pytest.raises(IndexFileError, match="checksum mismatch"):
        MovieIndex.load(tmp_path / "index.faiss", expected_sha256=digest)
    with pytest.raises(IndexFileError, match="not found"):
        MovieIndex.load(tmp_path / "missing.faiss")


def test_rejects_bad_shapes_and_duplicate_ids() -> None:
    with pytest.raises(ValueError, match="shape"):
        MovieIndex.build(np.arange(3), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="unique"):
        MovieIndex.build(np.array([1, 1]), np.zeros((2, 4)))


def test_generation_names_one_state_of_one_index() -> None:
    ids, vectors = np.arange(20), clustered(20, dim=8)
    first, second = MovieIndex.build(ids, vectors), MovieIndex.build(ids, vectors)
    seen = {first.generation, second.generation}
    assert len(seen) == 2  # two indexes never share a generation
    first.add(np.array([100]), vectors[:1])
    assert first.generation not in seen
    seen.add(first.generation)
    first.remove(np.array([100]))  # back to the same vectors, still a new generation
    assert first.generation not in seen
    after = first.generation
    first.search(vectors[:1], 3)
    assert first.generation == after  # a search changes nothing
