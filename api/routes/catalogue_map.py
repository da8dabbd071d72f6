"""GET /map: the catalogue's 2-D map (computed at training, graphrec.projection) for the page."""

from collections import Counter
from typing import Any

from fastapi import APIRouter

from api.deps import BundleDep

router = APIRouter(prefix="/map", tags=["page"])


@router.get("")
def catalogue_map(bundle: BundleDep) -> dict[str, Any]:
    """Every trained movie's point and main genre (its rarest genre: "Animation" says more of
    Toy Story than "Comedy"), plus the genre names, which the page's forms offer too."""
    catalog = bundle.catalog
    count = len(bundle.map)
    frequency = Counter(g for genres in catalog.genres[:count] for g in genres)
    names = sorted(frequency, key=lambda g: (-frequency[g], g))
    column = {name: i for i, name in enumerate(names)}
    main = [
        column[min(genres, key=lambda g: (frequency[g], g))] if genres else -1
        for genres in catalog.genres[:count]
    ]
    return {
        "ids": catalog.ids[:count],
        "titles": catalog.titles[:count],
        "x": [round(float(v), 4) for v in bundle.map[:, 0]],
        "y": [round(float(v), 4) for v in bundle.map[:, 1]],
        "genre": main,
        "genres": names,
        "all_genres": sorted(bundle.attributes.genre_column),
        "model_version": bundle.version,
    }
