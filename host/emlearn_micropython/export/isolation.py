"""scikit-learn IsolationForest for emltrees: each leaf holds its depth plus
c(n), the average path length of an unbuilt subtree of its n samples (as
scikit-learn adds); the device sums them in float32 and gives
score_samples = -2 ** (-sum / (n_trees * c(max_samples))), predict 1 / -1
by offset_, decision_function = score - offset_.
"""
import math

import numpy as np

from .additive import AdditiveModel, Tree
from .boosting import floor_float32


ESTIMATORS = ('IsolationForest',)


def convert(est, **options):
    """The emltrees model of a fitted IsolationForest (no options)."""
    if options.pop('method', 'inline') not in ('inline', 'loadable'):
        raise ValueError("unsupported method: use 'inline'")
    if options:
        raise ValueError(f'unsupported options for IsolationForest: {", ".join(options)}')
    from sklearn.ensemble._iforest import _average_path_length
    if not hasattr(est, 'estimators_'):
        raise ValueError('IsolationForest is not fitted: call fit() first')
    n_features = est.n_features_in_
    subsample = est._max_features != n_features
    trees = []
    for tree_est, features, depth, extra in zip(est.estimators_, est.estimators_features_,
                                                est._decision_path_lengths, est._average_path_length_per_tree):
        t = tree_est.tree_
        feature = np.asarray(features)[np.maximum(t.feature, 0)] if subsample else np.maximum(t.feature, 0)
        trees.append(Tree(feature, floor_float32(t.threshold), t.children_left, t.children_right,
                          np.zeros(t.node_count, dtype=bool), depth + extra - 1.0))
    denominator = len(est.estimators_) * _average_path_length([est._max_samples])[0]
    if denominator == 0:
        raise ValueError('IsolationForest fitted on a single sample is not supported')
    base = [math.log(2.0) / denominator, est.offset_]
    model = AdditiveModel('isolation', 'identity', n_features, 0, trees, base, missing=False)
    model.kind_name = 'IsolationForest'
    return model
