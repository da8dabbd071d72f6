"""The API in-process, lifespan included (`with TestClient(...)`), on a small trained bundle."""

import shutil
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import Settings, create_app
from graphrec.artifacts import point_current, resolve


@pytest.fixture
def client(small_bundle: Path):
    with TestClient(create_app(Settings(artifacts=small_bundle))) as test_client:
        yield test_client


def test_health_and_movie(client: TestClient) -> None:
    health = client.get("/health").json()
    assert health["status"] == "ok" and health["model_version"]
    movie = client.get("/movies/1").json()
    assert movie == {"id": 1, "title": "Toy Story (1995)",
                     "genres": ["Adventure", "Animation", "Children", "Comedy", "Fantasy"],
                     "year": 1995}  # fmt: skip


def test_similar_shape_and_exclusion(client: TestClient) -> None:
    body = client.get("/similar/260", params={"k": 7}).json()
    assert body["movie"]["id"] == 260 and body["model_version"]
    results = body["results"]
    assert len(results) == 7 and 260 not in [r["id"] for r in results]
    assert set(results[0]) == {"id", "title", "genres", "score"}
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(
    ("path", "code", "detail"),
    [
        ("/similar/999999", 404, "unknown movie 999999"),
        ("/movies/999999", 404, "unknown movie 999999"),
        ("/similar/1?k=0", 422, "query.k"),
        ("/similar/1?k=1001", 422, "query.k"),
        ("/similar/abc", 422, "path.movie_id"),
        ("/movies/1.5", 422, "path.movie_id"),
    ],
)
def test_bad_requests(client: TestClient, path: str, code: int, detail: str) -> None:
    response = client.get(path)
    assert response.status_code == code
    assert isinstance(response.json()["detail"], str) and detail in response.json()["detail"]


def test_reload_refuses_damaged_bundle_and_keeps_serving(
    small_bundle: Path, tmp_path: Path
) -> None:
    root = tmp_path / "artifacts"
    good = resolve(small_bundle)
    shutil.copytree(good, root / "good")
    point_current(root, "good")
    with TestClient(
        create_app(Settings(artifacts=root, admin_token="s3cret-long-test-token"))
    ) as client:
        version = client.get("/health").json()["model_version"]
        assert client.post("/admin/reload").status_code == 401
        shutil.copytree(good, root / "bad")
        (root / "bad" / "index.faiss").write_bytes(b"garbage")
        point_current(root, "bad")
        refused = client.post(
            "/admin/reload", headers={"Authorization": "Bearer s3cret-long-test-token"}
        )
        assert (
            refused.status_code == 409
            and "index.faiss fails its checksum" in refused.json()["detail"]
        )
        assert client.get("/health").json()["model_version"] == version
        assert client.get("/similar/1").status_code == 200
        point_current(root, "good")
        ok = client.post(
            "/admin/reload", headers={"Authorization": "Bearer s3cret-long-test-token"}
        )
        assert ok.status_code == 200 and ok.json()["model_version"] == version


@pytest.mark.parametrize(
    ("path", "body"),
    [("/admin/reload", None), ("/items", {"title": "X", "genres": ["Drama"]}),
     ("/feedback", [{"user": 1, "movie": 1, "kind": "click"}])],
)  # fmt: skip
def test_writes_are_closed_without_a_configured_token(
    artifacts: Path, path: str, body: object
) -> None:
    with TestClient(create_app(Settings(artifacts=artifacts))) as client:
        for headers in ({}, {"Authorization": "Bearer anything"}):
            response = client.post(path, json=body, headers=headers)
            assert response.status_code == 401
            assert "writes are closed" in response.json()["detail"]
        assert client.get("/users/1").json()["live_interactions"] == 0


def test_reloads_under_load_fail_no_request(artifacts: Path) -> None:
    """Readers hammer /similar and /recommend while the bundle is swapped every 0.1 s, a damaged
    one among them: every answer is a 200 from a whole bundle, the damaged one is refused."""
    shutil.copytree(artifacts / "v1", artifacts / "v2")
    shutil.copytree(artifacts / "v1", artifacts / "bad")
    (artifacts / "bad" / "index.faiss").write_bytes(b"garbage")
    token = {"Authorization": "Bearer s3cret-long-test-token"}
    failures: list[str] = []
    stop = threading.Event()
    settings = Settings(artifacts=artifacts, admin_token="s3cret-long-test-token", sync_interval=0)
    with TestClient(create_app(settings)) as client:
        expected = client.get("/similar/1?k=10").json()["results"]

        def read() -> None:
            while not stop.is_set():
                for path in ("/similar/1?k=10", "/recommend/1?k=10&ranker=deepfm"):
                    response = client.get(path)
                    if response.status_code != 200:
                        failures.append(f"{path}: {response.status_code}")
                    elif path.startswith("/similar") and response.json()["results"] != expected:
                        failures.append("an answer mixed bundles")

        readers = [threading.Thread(target=read) for _ in range(3)]
        for reader in readers:
            reader.start()
        codes = []
        for version in ["v2", "v1", "bad", "v2", "v1"] * 4:
            point_current(artifacts, version)
            codes.append(client.post("/admin/reload", headers=token).status_code)
            time.sleep(0.1)
        stop.set()
        for reader in readers:
            reader.join()
        assert client.app.state.serving.bundle.path.name == "v1"
    assert failures == []
    assert codes.count(409) == 4 and codes.count(200) == 16


def test_a_damaged_current_is_refused_once_not_every_tick(
    artifacts: Path, caplog: pytest.LogCaptureFixture
) -> None:
    shutil.copytree(artifacts / "v1", artifacts / "bad")
    (artifacts / "bad" / "index.faiss").write_bytes(b"garbage")
    settings = Settings(artifacts=artifacts, admin_token="s3cret-long-test-token", sync_interval=0)
    with TestClient(create_app(settings)) as client:
        state = client.app.state.serving
        point_current(artifacts, "bad")
        with caplog.at_level("WARNING", logger="api.state"):
            for _ in range(3):
                state.catch_up()
        refusals = [r for r in caplog.records if "is refused" in r.getMessage()]
        assert len(refusals) == 1 and state.bundle.path.name == "v1"
        point_current(artifacts, "v1")
        state.catch_up()
        assert client.get("/similar/1").status_code == 200


def test_a_reload_the_store_sync_already_did_loads_nothing_again(artifacts: Path) -> None:
    """`current` moved: the sync thread loads the new bundle, and a POST /admin/reload asked
    before that load began is answered by it instead of loading the same bundle twice."""
    from api.state import ServingState

    shutil.copytree(artifacts / "v1", artifacts / "v2")
    state = ServingState.load(artifacts)
    try:
        asked_at = time.monotonic()
        point_current(artifacts, "v2")
        state.catch_up()  # what the sync thread does every 0.25 s
        synced = state.bundle
        assert synced.path.name == "v2"
        assert state.reload(asked_at) is synced  # nothing loaded again
        assert state.reload(time.monotonic()) is not synced  # asked after: loaded anew
        again = state.bundle
        assert state.reload() is not again and state.bundle.path.name == "v2"  # no time given
    finally:
        state.store.close()


def test_the_sync_thread_does_not_load_again_what_a_reload_under_way_loads(
    artifacts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sync thread sees `current` move while POST /admin/reload is loading that bundle: it
    waits for the lock, then finds the bundle served and loads nothing."""
    import api.state
    from api.state import ServingState

    shutil.copytree(artifacts / "v1", artifacts / "v2")
    state = ServingState.load(artifacts)
    loads: list[Path] = []
    real_load = api.state.load_bundle
    syncer: list[threading.Thread] = []

    def load_while_the_sync_thread_looks(path: Path) -> object:
        loads.append(path)
        if len(loads) == 1:  # the reload's load: now the sync thread looks, and must wait
            syncer.append(threading.Thread(target=state.catch_up))
            syncer[0].start()
            time.sleep(0.3)
        return real_load(path)

    monkeypatch.setattr(api.state, "load_bundle", load_while_the_sync_thread_looks)
    try:
        point_current(artifacts, "v2")
        state.reload(time.monotonic())
        syncer[0].join(timeout=30)
        assert state.bundle.path.name == "v2" and len(loads) == 1
    finally:
        state.store.close()
