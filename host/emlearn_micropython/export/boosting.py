"""Boosted trees for emltrees: scikit-learn GradientBoosting* and
HistGradientBoosting*, xgboost XGB* (gbtree) and lightgbm LGBM*.

Each library's split rule becomes `x <= t` with a float32 t that sends
every float32 x the same way: scikit-learn and LightGBM go left when
x <= t64 (t = the largest float32 <= t64), XGBoost when x < t32 (t = the
float32 below t32). NaN follows each split's default direction where the
library has one (HistGradientBoosting, XGBoost, LightGBM).

dtype='int16' (with scaler= or a Pipeline's scalers, as the int16 forests):
integer thresholds for array('h') inputs (export/additive.py).
"""
import json

import numpy as np

from .additive import Tree, additive_model

F = np.float32
SKLEARN = ('GradientBoostingClassifier', 'GradientBoostingRegressor',
           'HistGradientBoostingClassifier', 'HistGradientBoostingRegressor')
XGBOOST = ('XGBClassifier', 'XGBRegressor')
LIGHTGBM = ('LGBMClassifier', 'LGBMRegressor')
ESTIMATORS = SUPPORTED = SKLEARN + XGBOOST + LIGHTGBM


def floor_float32(t):
    """The largest float32 <= t (float64 arrays): x <= t iff x <= it."""
    t = np.asarray(t, dtype=np.float64)
    f = t.astype(F)
    return np.where(f.astype(np.float64) > t, _below(f), f).astype(F)


def _below(f):
    """The next float32 below f (a subnormal near 0 is fine)."""
    with np.errstate(under='ignore'):
        return np.nextafter(f, F(-np.inf))


def _link(is_classifier, n_classes):
    if not is_classifier:
        return 'identity', 0
    return ('sigmoid', 2) if n_classes == 2 else ('softmax', n_classes)


def _model(kind_name, estimator, trees_by_output, base, missing, options):
    is_classifier = 'Classifier' in kind_name
    classes = getattr(estimator, 'classes_', None)
    link, n_classes = _link(is_classifier, len(classes) if is_classifier else 0)
    trees = [t for group in trees_by_output for t in group]
    model = additive_model('boost', link, estimator.n_features_in_, n_classes, trees, base, missing, classes,
                           **options)
    model.kind_name = kind_name
    return model


def _sklearn_tree(tree, scale):
    leaf = tree.children_left < 0
    return Tree(tree.feature, floor_float32(tree.threshold), tree.children_left, tree.children_right,
                np.zeros(tree.node_count, dtype=bool), np.where(leaf, tree.value[:, 0, 0] * scale, 0.0))


def _gradient_boosting(est, name, options):
    if est.init not in (None, 'zero'):
        raise ValueError(f'{name} with a custom init estimator is not supported')
    if getattr(est, 'loss', None) == 'exponential':
        raise ValueError(f"{name} with loss='exponential' is not supported: use 'log_loss'")
    base = est._raw_predict_init(np.zeros((1, est.n_features_in_), dtype=F))[0]
    groups = [[_sklearn_tree(e.tree_, est.learning_rate) for e in est.estimators_[:, k]]
              for k in range(est.estimators_.shape[1])]
    return _model(name, est, groups, base, False, options)


def _hgb_tree(predictor):
    n = predictor.nodes
    if n['is_categorical'].any():
        raise ValueError('categorical splits are not supported')
    leaf = n['is_leaf'].astype(bool)
    left, right = (np.where(leaf, -1, n[c].astype(np.int64)) for c in ('left', 'right'))
    return Tree(n['feature_idx'], floor_float32(n['num_threshold']), left, right,
                n['missing_go_to_left'].astype(bool), n['value'])


def _hist_gradient_boosting(est, name, options):
    link = type(est._loss.link).__name__
    if link not in ('IdentityLink', 'LogitLink', 'MultinomialLogit'):
        raise ValueError(f'{name} with loss {est.loss!r} ({link}) is not supported')
    if getattr(est, 'is_categorical_', None) is not None and np.any(est.is_categorical_):
        raise ValueError('categorical features are not supported')
    k = est.n_trees_per_iteration_
    groups = [[_hgb_tree(it[j]) for it in est._predictors] for j in range(k)]
    return _model(name, est, groups, np.ravel(est._baseline_prediction), True, options)


def _at_zero(tree):
    """The float32 leaf value that x = 0 reaches."""
    i = 0
    while tree.left[i] >= 0:
        i = tree.left[i] if tree.threshold[i] >= 0 else tree.right[i]
    return F(tree.value[i])


def _base_from_zero_row(groups, n_features, first_margin, per_iteration=1):
    """Per output: the library's margin at x = 0 after its first iteration
    (per_iteration trees per output) minus those trees' leaves there
    (float64), in the library's feature space (before any folding). One
    iteration, not all: XGBoost adds in float32, and the rounding of a long
    sum would move the base."""
    margin = np.ravel(first_margin(np.zeros((1, n_features), dtype=F))).astype(np.float64)
    sums = [np.array([_at_zero(t) for t in group[:per_iteration]], dtype=np.float64).sum() for group in groups]
    return (margin - sums).astype(F)


def _xgb_tree(tree):
    if any(int(s) != 0 for s in tree.get('split_type', [])):
        raise ValueError('categorical splits are not supported')
    left = np.array(tree['left_children'])
    cond = np.array(tree['split_conditions'], dtype=F)
    threshold = _below(cond)      # x < c  <=>  x <= the float32 below c
    return Tree(np.array(tree['split_indices']), threshold, left, np.array(tree['right_children']),
                np.array(tree['default_left'], dtype=bool), np.where(left < 0, cond.astype(np.float64), 0.0))


XGB_OBJECTIVES = ('binary:logistic', 'multi:softprob', 'multi:softmax', 'reg:squarederror',
                  'reg:absoluteerror', 'reg:pseudohubererror', 'reg:quantileerror')


def _xgboost(est, name, options):
    import xgboost
    booster = est.get_booster()
    learner = json.loads(booster.save_raw('json'))['learner']
    gb = learner['gradient_booster']
    if gb['name'] != 'gbtree':
        raise ValueError(f"XGBoost booster {gb['name']!r} is not supported: only 'gbtree'")
    objective = learner['objective']['name']
    if objective not in XGB_OBJECTIVES:
        raise ValueError(f'XGBoost objective {objective!r} is not supported')
    if int(learner['learner_model_param'].get('num_target', '1')) != 1:
        raise ValueError('multi-output models are not supported')
    if est.missing is not None and not np.isnan(est.missing):
        raise ValueError('only missing=nan is supported')
    trees = gb['model']['trees']
    info = gb['model']['tree_info']
    k = max(info) + 1
    groups = [[_xgb_tree(t) for t, g in zip(trees, info) if g == j] for j in range(k)]
    per_iteration = int(gb['model'].get('gbtree_model_param', {}).get('num_parallel_tree', 1))
    base = _base_from_zero_row(groups, est.n_features_in_, lambda x: booster.predict(
        xgboost.DMatrix(x), output_margin=True, iteration_range=(0, 1)), per_iteration)
    return _model(name, est, groups, base, True, options)


def _lgbm_tree(root):
    nodes = []

    def visit(node):
        i = len(nodes)
        nodes.append(None)
        if 'leaf_value' in node or 'split_feature' not in node:
            if 'leaf_coeff' in node:
                raise ValueError('linear trees are not supported')
            nodes[i] = (0, 0.0, -1, -1, False, float(node.get('leaf_value', 0.0)))
            return i
        if node['decision_type'] != '<=':
            raise ValueError('categorical splits are not supported')
        missing = node['missing_type']
        if missing == 'Zero':
            raise ValueError('zero_as_missing is not supported')
        t = float(node['threshold'])
        # missing_type None: LightGBM takes NaN as 0.0
        nan_left = bool(node['default_left']) if missing == 'NaN' else 0.0 <= t
        left, right = visit(node['left_child']), visit(node['right_child'])
        nodes[i] = (node['split_feature'], t, left, right, nan_left, 0.0)
        return i

    visit(root)
    cols = list(zip(*nodes))
    return Tree(np.array(cols[0]), floor_float32(np.array(cols[1])), np.array(cols[2]), np.array(cols[3]),
                np.array(cols[4], dtype=bool), np.array(cols[5]))


LGBM_OBJECTIVES = ('binary', 'multiclass', 'softmax', 'regression', 'regression_l1', 'huber', 'fair', 'quantile')


def _lightgbm(est, name, options):
    booster = est.booster_
    dump = booster.dump_model()
    objective = dump.get('objective', '').split(' ')
    if objective[0] not in LGBM_OBJECTIVES or (objective[0] == 'binary' and 'sigmoid:1' not in objective):
        raise ValueError(f"LightGBM objective {dump.get('objective')!r} is not supported")
    if est.boosting_type not in ('gbdt', 'goss'):
        raise ValueError(f'LightGBM boosting_type {est.boosting_type!r} is not supported: use gbdt')
    k = dump['num_tree_per_iteration']
    trees = [_lgbm_tree(t['tree_structure']) for t in dump['tree_info']]
    groups = [trees[j::k] for j in range(k)]
    base = _base_from_zero_row(groups, est.n_features_in_, lambda x: booster.predict(x, raw_score=True,
                                                                                     num_iteration=1))
    return _model(name, est, groups, base, True, options)


def convert(estimator, method='inline', dtype='float32', scaler=None, scalers=None):
    """The emltrees model of a fitted boosted estimator. dtype='int16':
    integer thresholds and array('h') inputs (8-byte nodes); exact for
    integer features, or give the fitted neighbors.Int16Scaler that the
    estimator was fitted behind (saved in the file). scalers: a Pipeline's
    StandardScaler/MinMaxScaler steps, folded into the thresholds."""
    if method not in ('inline', 'loadable'):
        raise ValueError("unsupported method: use 'inline'")
    name = type(estimator).__name__
    if getattr(estimator, 'n_features_in_', None) is None:
        raise ValueError(f'{name} is not fitted: call fit() first')
    options = dict(dtype=dtype, scaler=scaler, scalers=scalers)
    if name in XGBOOST:
        return _xgboost(estimator, name, options)
    if name in LIGHTGBM:
        return _lightgbm(estimator, name, options)
    if name.startswith('Hist'):
        return _hist_gradient_boosting(estimator, name, options)
    return _gradient_boosting(estimator, name, options)
