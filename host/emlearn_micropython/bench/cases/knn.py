"""kNN: emlneighbors against a plain-Python brute-force kNN (device/pyknn.py)."""
import numpy as np

from ..registry import Case


def prepare_knn(config, build):
    from sklearn.datasets import make_classification
    from sklearn.neighbors import KNeighborsClassifier
    build.mkdir(parents=True, exist_ok=True)
    n_items, n_q, n_f, k = max(config['knn']), config['knn_queries'], config['knn_features'], config['knn_k']
    X, y = make_classification(n_samples=n_items + n_q, n_features=n_f, n_informative=n_f // 2,
                               n_classes=4, n_clusters_per_class=1, random_state=5)
    X = np.round(X / np.abs(X).max() * 2000).astype('<i2')
    items, queries = X[:n_items], X[n_items:]
    for name, data in [('items', items), ('queries', queries), ('labels', y[:n_items].astype('<i2'))]:
        (build / f'{name}.bin').write_bytes(data.tobytes())
    expected = {}
    for n in config['knn']:
        ref = KNeighborsClassifier(n_neighbors=k, algorithm='brute').fit(items[:n], y[:n])
        expected[f'items={n}'] = ref.predict(queries).tolist()
    files = {f'{name}.bin': build / f'{name}.bin' for name in ['items', 'queries', 'labels']}
    cfg = {'SIZES': config['knn'], 'N_FEATURES': n_f, 'K': k}
    return [{'label': 'sizes', 'files': files, 'cfg': cfg, 'expected': expected,
             'helpers': ['benchlib.py', 'pyknn.py']}]


CASE = Case('knn', 'emlneighbors', 'kNN: time per prediction', 'bench_knn.py', prepare_knn,
            full={'knn': [100, 500, 1000, 2000], 'knn_queries': 40, 'knn_features': 16,
                  'knn_k': 5},
            quick={'knn': [50], 'knn_queries': 5, 'knn_features': 4, 'knn_k': 3},
            peers=('python',), key_cases=('items=1000',), order=4)
