"""The sensing graph: candidate views as nodes, visual overlap as edge weights, and its
perception communities (Louvain modularity clustering)."""
from __future__ import annotations

import numpy as np

from synthrm.errors import ConfigError


def sensing_graph(weights: np.ndarray, min_weight: float = 0.0):
    """Undirected weighted graph of N views.

    Parameters
    ----------
    weights : (N, N) array
        Pairwise overlap, e.g. :func:`~synthrm.orchestrate.overlap.sift_overlap`; only the
        upper triangle (i < j) is read, the diagonal never (no self loops).
    min_weight : float
        A pair becomes an edge when its weight is > ``min_weight`` (>= 0).

    Returns
    -------
    networkx.Graph
        Nodes 0..N-1 (all of them, also the isolated ones), edges with a float
        ``weight`` attribute.
    """
    import networkx as nx

    w = np.asarray(weights, np.float64)
    if w.ndim != 2 or w.shape[0] != w.shape[1]:
        raise ConfigError(f"sensing_graph: weights must be an (N, N) matrix, got shape {w.shape}")
    if not np.all(np.isfinite(w)):
        raise ConfigError("sensing_graph: weights contain NaN or infinite values")
    if min_weight < 0:
        raise ConfigError(f"min_weight: must be >= 0, got {min_weight}")
    G = nx.Graph()
    G.add_nodes_from(range(len(w)))
    i, j = np.nonzero(np.triu(w, 1) > min_weight)
    G.add_weighted_edges_from((int(a), int(b), float(w[a, b])) for a, b in zip(i, j))
    return G


def communities(G, seed: int = 0, resolution: float = 1.0) -> list[set[int]]:
    """Perception communities of a sensing graph: Louvain modularity clustering.

    Parameters
    ----------
    G : networkx.Graph
        Graph with ``weight`` edge attributes (:func:`sensing_graph`).
    seed : int
        Seed of Louvain's node order: the same seed gives the same partition.
    resolution : float
        Louvain resolution (> 0); above 1 favours smaller communities.

    Returns
    -------
    list of set of int
        A partition of all nodes (an isolated node is a community of its own), sorted by
        size (largest first), then by smallest node.
    """
    import networkx as nx

    if resolution <= 0:
        raise ConfigError(f"resolution: must be > 0, got {resolution}")
    if G.number_of_nodes() == 0:
        return []
    if G.number_of_edges() == 0:
        parts = [{n} for n in G.nodes]
    else:
        parts = nx.community.louvain_communities(G, weight="weight", resolution=resolution,
                                                 seed=int(seed))
    return sorted((set(p) for p in parts), key=lambda p: (-len(p), min(p)))


def community_labels(comms: list[set[int]], n: int) -> np.ndarray:
    """(n,) int: the index in ``comms`` of each node's community."""
    lab = np.full(n, -1, np.int64)
    for k, c in enumerate(comms):
        lab[list(c)] = k
    if (lab < 0).any():
        raise ConfigError(f"communities do not cover nodes {np.nonzero(lab < 0)[0].tolist()[:10]}")
    return lab
