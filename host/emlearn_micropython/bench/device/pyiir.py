# Plain-Python IIR filter: a cascade of second-order sections in transposed
# direct form II, rows [b0, b1, b2, a0, a1, a2] as scipy.signal.sosfilt
# (a0 == 1). Filters a sequence in place; the state carries over.


class Cascade:
    def __init__(self, coefficients):
        if len(coefficients) == 0 or len(coefficients) % 6:
            raise ValueError('coefficients must be 6 per stage')
        self.stages = [tuple(coefficients[i:i + 6]) for i in range(0, len(coefficients), 6)]
        self.state = [[0.0, 0.0] for _ in self.stages]

    def run(self, x):
        n = len(x)
        for (b0, b1, b2, _, a1, a2), state in zip(self.stages, self.state):
            z1, z2 = state
            for i in range(n):
                xi = x[i]
                y = b0 * xi + z1
                z1 = b1 * xi - a1 * y + z2
                z2 = b2 * xi - a2 * y
                x[i] = y
            state[0] = z1
            state[1] = z2
