"""One-off measurement (issue 15): class agreement of emlnet's int8 with
TFLite's int8 (LiteRT interpreter) on the same Keras models.

Needs TensorFlow's TFLiteConverter, which the project does not depend on;
run it in a throwaway venv:

    python3 -m venv /work/venv-tflite
    /work/venv-tflite/bin/pip install tensorflow-cpu==2.21.0 ai-edge-litert==2.3.0 scikit-learn==1.9.1
    KERAS_BACKEND=tensorflow PYTHONPATH=host /work/venv-tflite/bin/python \\
        -m emlearn_micropython.bench.tflite_compare > bench/results/net_tflite.md

Both quantize from the same calibration rows (the training rows): TFLite
full-integer (int8 weights per output channel, int8 activations with zero
points; float input/output), emlnet int8 (symmetric, no zero points).
emlnet's numbers are its host twin, which the tests hold equal to the
device bit for bit.
"""
import os
import sys

import numpy as np

os.environ.setdefault('KERAS_BACKEND', 'tensorflow')


def digits():
    from sklearn.datasets import load_digits
    X, y = load_digits(return_X_y=True)
    order = np.random.RandomState(0).permutation(len(X))
    X, y = (X[order] / 16.0).astype(np.float32), y[order]
    return X[:900], y[:900], X[900:], y[900:]


def patches(n, seed):
    """Log-mel-like 32x32 patches, 5 classes: a loud band each, in noise
    strong enough that the classes overlap a little."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 5
    X = rng.standard_normal((n, 32, 32, 1)).astype(np.float32)
    for i in range(n):
        X[i, y[i] * 6:y[i] * 6 + 6] += 0.6
    return X, y


def models():
    import keras
    L = keras.layers
    keras.utils.set_random_seed(0)
    Xd, yd, Td, td = digits()
    mlp = keras.Sequential([keras.Input((64,)), L.Dense(32, activation='relu'), L.Dense(10, activation='softmax')])
    cnn = keras.Sequential([keras.Input((8, 8, 1)), L.Conv2D(8, 3, padding='same', activation='relu'),
                            L.MaxPooling2D(2), L.Flatten(), L.Dense(10, activation='softmax')])
    sbcnn = keras.Sequential([keras.Input((32, 32, 1)),
                              L.Conv2D(8, 3, padding='same', activation='relu'), L.MaxPooling2D(2),
                              L.Conv2D(16, 3, padding='same'), L.BatchNormalization(), L.ReLU(), L.MaxPooling2D(2),
                              L.Conv2D(16, 3, activation='relu'), L.GlobalAveragePooling2D(),
                              L.Dense(5, activation='softmax')])
    Xs, ys = patches(1000, 1)
    Ts, ts = patches(500, 2)
    out = {}
    for name, model, X, y, T, t, epochs in (
            ('digits MLP 64-32-10', mlp, Xd, yd, Td, td, 60),
            ('digits CNN 8x8x1 (conv 8, pool, dense 10)', cnn, Xd.reshape(-1, 8, 8, 1), yd,
             Td.reshape(-1, 8, 8, 1), td, 60),
            ('SB-CNN-like 32x32x1 (conv 8/16/16, dense 5)', sbcnn, Xs, ys, Ts, ts, 15)):
        model.compile('adam', 'sparse_categorical_crossentropy')
        model.fit(X, y, epochs=epochs, batch_size=32, verbose=0)
        out[name] = (model, X, T, t)
    return out


def tflite_int8(model, calibration):
    import contextlib
    import tensorflow as tf
    with contextlib.redirect_stdout(sys.stderr):  # the converter's progress
        return convert_int8(tf, model, calibration)


def convert_int8(tf, model, calibration):
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([x[None]] for x in calibration)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    return converter.convert()


def tflite_predict(flatbuffer, X):
    from ai_edge_litert.interpreter import Interpreter
    interp = Interpreter(model_content=flatbuffer)
    interp.allocate_tensors()
    inp, out = interp.get_input_details()[0], interp.get_output_details()[0]
    probs = []
    for x in X:
        interp.set_tensor(inp['index'], x[None].astype(inp['dtype']))
        interp.invoke()
        probs.append(interp.get_tensor(out['index'])[0])
    return np.array(probs)


def main():
    import keras
    import tensorflow as tf
    from ai_edge_litert import __version__ as litert_version
    from emlearn_micropython.export import net
    print(f'TensorFlow {tf.__version__}, Keras {keras.__version__} ({keras.backend.backend()}), '
          f'ai-edge-litert {litert_version}, numpy {np.__version__}\n')
    rows = []
    for name, (model, X, T, t) in models().items():
        ref = model.predict(T, verbose=0).argmax(1)
        ours = net.convert(model, dtype='int8', calibration=X).predict(T.reshape(len(T), -1))
        flat = tflite_int8(model, X)
        theirs = tflite_predict(flat, T).argmax(1)
        ours_f32 = net.convert(model).predict(T.reshape(len(T), -1))
        rows.append([name, len(T), f'{(ours == theirs).mean():.1%}', f'{(ours == ref).mean():.1%}',
                     f'{(theirs == ref).mean():.1%}', f'{(ours_f32 == ref).mean():.1%}',
                     f'{(ours == t).mean():.1%} / {(theirs == t).mean():.1%} / {(ref == t).mean():.1%}',
                     len(flat)])
    head = ['model', 'held-out rows', 'emlnet int8 = TFLite int8', 'emlnet int8 = Keras',
            'TFLite int8 = Keras', 'emlnet float32 = Keras', 'accuracy: emlnet int8 / TFLite int8 / Keras',
            '.tflite bytes']
    print('| ' + ' | '.join(head) + ' |')
    print('|' + '---|' * len(head))
    for r in rows:
        print('| ' + ' | '.join(map(str, r)) + ' |')
    return 0


if __name__ == '__main__':
    sys.exit(main())
