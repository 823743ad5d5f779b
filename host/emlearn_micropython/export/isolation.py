"""scikit-learn IsolationForest for emltrees: each leaf holds its depth plus
c(n), the average path length of an unbuilt subtree of its n samples (as
scikit-learn adds); the device sums them in float32 and gives
score_samples = -2 ** (-sum / (n_trees * c(max_samples))), predict 1 / -1
by offset_, decision_function = score - offset_. dtype='int16' as for
boosting (export/additive.py).
"""
import math

import numpy as np

from .additive import Tree, additive_model
from .boosting import floor_float32


ESTIMATORS = ('IsolationForest',)


def convert(est, method='inline', dtype='float32', scaler=None, scalers=None):
    """The emltrees model of a fitted IsolationForest; dtype, scaler and
    scalers as for boosting.convert."""
    if method not in ('inline', 'loadable'):
        raise ValueError("unsupported method: use 'inline'")
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
    model = additive_model('isolation', 'identity', n_features, 0, trees, base, False, dtype=dtype, scaler=scaler,
                           scalers=scalers)
    model.kind_name = 'IsolationForest'
    return model
