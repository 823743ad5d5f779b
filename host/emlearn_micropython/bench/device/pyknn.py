# Plain-Python brute-force k-nearest-neighbours on integer features:
# squared Euclidean distance to every item, the k smallest (lower index
# first on equal distance), majority vote (smallest label on a tie).
import array


class KNN:
    def __init__(self, n_features, k):
        self.n_features = n_features
        self.k = k
        self.items = []
        self.labels = []

    def additem(self, values, label):
        if len(values) != self.n_features:
            raise ValueError('values must have n_features items')
        self.items.append(array.array('h', values))
        self.labels.append(label)
        return len(self.items) - 1

    def predict(self, x):
        n = self.n_features
        dists = []
        for index, item in enumerate(self.items):
            d = 0
            for j in range(n):
                t = item[j] - x[j]
                d += t * t
            dists.append((d, index))
        dists.sort()
        votes = {}
        for _, index in dists[:self.k]:
            label = self.labels[index]
            votes[label] = votes.get(label, 0) + 1
        best = None
        for label, count in votes.items():
            if best is None or count > votes[best] or (count == votes[best] and label < best):
                best = label
        return best
