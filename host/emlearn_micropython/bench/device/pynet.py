# Plain-Python dense network: relu hidden layers, softmax output, float
# weights w[out][in] then bias per layer in one flat array. The peer of
# emlnet's digits MLP in bench_net.py.
import math


class MLP:
    def __init__(self, sizes, flat):
        self.layers = []
        i = 0
        for n_in, n_out in zip(sizes, sizes[1:]):
            rows = []
            for _ in range(n_out):
                rows.append(flat[i:i + n_in])
                i += n_in
            self.layers.append((rows, flat[i:i + n_out]))
            i += n_out

    def predict_proba(self, x):
        last = len(self.layers) - 1
        for k, (rows, bias) in enumerate(self.layers):
            y = []
            for row, acc in zip(rows, bias):
                for a, w in zip(x, row):
                    acc += a * w
                y.append(acc if k == last or acc > 0.0 else 0.0)
            x = y
        most = max(x)
        e = [math.exp(v - most) for v in x]
        total = sum(e)
        return [v / total for v in e]

    def predict(self, x):
        p = self.predict_proba(x)
        return p.index(max(p))
