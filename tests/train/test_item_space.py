"""The movie → movie space on planted communities: neighbours come from the movie's own side."""

import numpy as np

from graphrec.data.features import movie_features
from graphrec.graph.bipartite import BipartiteGraph
from graphrec.train.config import ItemSpaceConfig
from graphrec.train.item_space import ItemSpaceTrainer
from tests.conftest import planted


def test_neighbours_stay_in_their_community_and_the_blend_is_on_the_grids() -> None:
    data = planted(num_users=60)
    fit = data.timestamps < np.quantile(data.timestamps, 0.8)
    features = movie_features(data.movie_table, data.movies[fit], data.ratings[fit])
    config = ItemSpaceConfig(dim=8, epochs=15, batch_size=256, num_negatives=8)
    trainer = ItemSpaceTrainer(data, fit, features, config)
    first = trainer.train_epoch()["loss"]
    for _ in range(config.epochs - 1):
        last = trainer.train_epoch()["loss"]
    assert last < first
    graph = BipartiteGraph.from_interactions(data.users, data.movies, 60, data.num_movies)
    space = trainer.fit(graph)
    assert space.vectors.shape[0] == data.num_movies
    assert space.attribute_weight in config.attribute_weights
    similarity = space.vectors @ space.vectors.T
    np.fill_diagonal(similarity, -np.inf)
    nearest = similarity.argmax(axis=1)
    same_side = (nearest < 10) == (np.arange(20) < 10)
    assert same_side.mean() >= 0.9, nearest
    assert space.popularity_weight in config.popularity_weights
    assert set(space.validation) == {
        "next_item_hit@10",
        "franchise_recall@10",
        "neighbour_popularity@10",
        "query_popularity",
    }


def test_an_epoch_draws_at_most_max_pairs() -> None:
    data = planted(num_users=20)
    fit = np.ones(len(data.users), dtype=bool)
    features = movie_features(data.movie_table, data.movies, data.ratings)
    every = ItemSpaceTrainer(data, fit, features, ItemSpaceConfig(dim=4)).pairs()
    capped = ItemSpaceTrainer(data, fit, features, ItemSpaceConfig(dim=4, max_pairs=50)).pairs()
    assert len(every[0]) > 50 and len(capped[0]) == len(capped[1]) == 50
