"""emltrees on bad input: each case a clear Python exception, the
interpreter alive afterwards; and a mutation fuzz test of the loader."""
import numpy as np
import pytest
from sklearn import datasets
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

from emlearn_micropython import convert
from emlearn_micropython.export.text import with_end_line

GOOD = """f,2
c,2
lb,24
l,0
l,1
l,8388608,8388608
r,0
n,0,0.5,1,-3,0x3f000000
n,1,0.25,-1,-2
"""


def seal(body):
    """body with the end line its r, n and l lines call for: the cases below
    test what the parser says, not the checksum."""
    if not body.endswith('\n'):
        return body
    lines = body.split('\n')
    return with_end_line(body, *(sum(line.startswith(tag + ',') for line in lines) for tag in 'rnl'))


BOOST = """f,2
c,0
k,boost
lb,32
l,1.5,0x3fc00000
l,-2.5,0xc0200000
r,0
n,0,0.5,1,-1,0x3f000000
n,1,0.25,-1,-2,0x3e800000
"""
INT16 = """f,2
c,2
d,int16
lb,0
l,0
l,1
r,0
n,0,5,1,-2
n,1,-7,-1,-2
"""


# Each case: a file's text and the capacities to load it with.
LOAD_CASES = {
    'ok': (GOOD, (1, 2)),
    'bad_threshold': (GOOD.replace('0.25', '0.2.5'), (1, 2)),
    'bad_bits': (GOOD.replace('0x3f000000', '0x3g000000'), (1, 2)),
    'nan_bits': (GOOD.replace('0x3f000000', '0x7fc00000'), (1, 2)),
    'short_node': (GOOD.replace('n,1,0.25,-1,-2', 'n,1,0.25,-1'), (1, 2)),
    'long_node': (GOOD.replace('n,1,0.25,-1,-2', 'n,1,0.25,-1,-2,0x3e800000,7'), (1, 2)),
    'truncated': (GOOD[:-6], (1, 2)),
    'truncated_header': (GOOD[:12], (1, 2)),
    'empty': ('', (1, 2)),
    'feature_range': (GOOD.replace('n,1,0.25', 'n,2,0.25'), (1, 2)),
    'child_beyond_nodes': (GOOD.replace('n,0,0.5,1,-3', 'n,0,0.5,2,-3'), (1, 2)),
    'leaf_beyond_leaves': (GOOD.replace('-1,-2', '-1,-4'), (1, 2)),
    'self_jump': (GOOD.replace('n,0,0.5,1,-3', 'n,0,0.5,0,-3'), (1, 2)),
    'root_beyond_nodes': (GOOD.replace('r,0', 'r,2'), (1, 2)),
    'class_range': (GOOD.replace('l,1\n', 'l,2\n'), (1, 2)),
    'weight_range': (GOOD.replace('8388608,8388608', '8388608,16777217'), (1, 2)),
    'leaf_size': (GOOD.replace('8388608,8388608', '1,2,3'), (1, 2)),
    'negative_weight': (GOOD.replace('8388608,8388608', '-1,2'), (1, 2)),
    'leaf_bits': (GOOD.replace('lb,24', 'lb,25'), (1, 2)),
    'leaf_before_classes': ('f,2\nl,0\nc,2\n', (1, 2)),
    'node_before_features': ('c,2\nl,0\nn,0,0.5,-1,-1\nf,2\n', (1, 2)),
    'features_zero': (GOOD.replace('f,2', 'f,0'), (1, 2)),
    'features_huge': (GOOD.replace('f,2', 'f,70000'), (1, 2)),
    'big_int': (GOOD.replace('r,0', 'r,99999999999'), (1, 2)),
    'too_few_nodes': (GOOD, (1, 1)),
    'too_few_trees': (GOOD + 'r,1\n', (1, 2)),
    'too_few_leaf_words': (GOOD, (1, 2, 4)),
    'too_many_trees_for_bits': (GOOD.replace('r,0', 'r,0\n' * 200), (200, 2)),
    'kind_word': (GOOD.replace('lb,24', 'k,bost\nlb,24'), (1, 2)),
    'kind_link': (GOOD.replace('lb,24', 'k,boost,identity\nlb,24'), (1, 2)),
    'kind_after_leaves': (GOOD.replace('r,0', 'k,boost,sigmoid\nr,0'), (1, 2)),
    'boost_without_base': (BOOST, (1, 2)),
    'boost_base_count': (BOOST.replace('c,0', 'c,0\nb,0x00000000,0x00000000'), (1, 2)),
    'base_not_hex': (BOOST.replace('c,0', 'c,0\nb,1.5'), (1, 2)),
    'nan_direction': (BOOST.replace('c,0', 'c,0\nb,0x00000000').replace('0x3f000000', '0x3f000000,2'),
                      (1, 2)),
    'labels_count': (GOOD.replace('lb,24', 'y,int,4,5,6\nlb,24'), (1, 2)),
    'labels_kind': (GOOD.replace('lb,24', 'y,float,4,5\nlb,24'), (1, 2)),
    'int16_threshold': (INT16.replace('n,0,5,1,-2', 'n,0,40000,1,-2'), (1, 2)),
    'int16_bits': (INT16.replace('n,0,5,1,-2', 'n,0,5,1,-2,0x3f000000'), (1, 2)),
    'int16_late': (INT16.replace('d,int16\n', '') + 'd,int16\n', (1, 2)),
    'scaler_length': (INT16.replace('d,int16', 'd,int16\nqo,0x00000000'), (1, 2)),
}

ERROR_SCRIPT = """\
import array, emltrees, emltest, gc
from emltest import Lines, attempt

with open('cases.txt') as f:
    names = f.read().split()
for name in names:
    with open(name + '.csv') as f:
        text = f.read()
    with open(name + '.cap') as f:
        cap = [int(v) for v in f.read().split()]
    model = emltrees.new(*cap)
    attempt('load-' + name, emltrees.load_model, model, Lines(text))

model = emltrees.new(1, 2)
attempt('predict-before-load', model.predict, array.array('f', [0, 0]))
attempt('counts-before-load', lambda: model.n_features)
attempt('classes-before-load', lambda: model.classes)
with open('ok.csv', 'rb') as f:
    emltrees.load_model(model, f)
attempt('counts', lambda: [model.n_features, model.n_classes, model.n_trees, model.n_nodes, model.n_leaves, model.leaf_words])
attempt('predict-ok', model.predict, array.array('f', [0.5, 0.25]))
attempt('predict-h', model.predict, array.array('h', [0, 1]))
attempt('predict-d', model.predict, array.array('d', [0, 0]))
attempt('predict-i', model.predict, array.array('i', [0, 0]))
attempt('predict-bytes', model.predict, b'12345678')
attempt('predict-list', model.predict, [0.0, 0.0])
attempt('predict-short', model.predict, array.array('f', [0]))
attempt('predict-long', model.predict, array.array('f', [0, 0, 0]))
attempt('predict-nan', model.predict, array.array('f', [float('nan'), 0]))
attempt('predict-inf', model.predict, array.array('f', [float('inf'), float('-inf')]))
out = array.array('f', [0, 0])
attempt('proba-ok', lambda: (model.predict_proba(array.array('f', [0.6, 0]), out), list(out))[1])
attempt('proba-out-short', model.predict_proba, array.array('f', [0, 0]), array.array('f', [0]))
attempt('proba-out-type', model.predict_proba, array.array('f', [0, 0]), array.array('d', [0, 0]))
attempt('reload-bad', emltrees.load_model, model, Lines('f,2\\nc,2\\nn,0'))
attempt('predict-after-bad-load', model.predict, array.array('f', [0, 0]))
attempt('counts-after-bad-load', lambda: model.n_classes)
attempt('readline-int', emltrees.load_model, model, type('R', (), {'readline': lambda self: 5})())
attempt('no-readline', emltrees.load_model, model, 5)
attempt('not-a-model', emltrees.load_model, 5, Lines('f,2'))
attempt('not-a-model-obj', emltrees.load_model, [1, 2], Lines('f,2'))
attempt('new-zero', emltrees.new, 0, 5)
attempt('new-huge', emltrees.new, 1, 1 << 30)
attempt('new-type', emltrees.new, 'a', 5)
reg = emltrees.new(1, 1)
emltrees.load_model(reg, Lines('f,1\\nc,0\\nlb,32\\nl,1.5\\nl,-2.5,0xc0200000\\nr,0\\nn,0,0,-1,-2\\n'), strict=False)
attempt('regress', lambda: [reg.predict(array.array('f', [v])) for v in (-1, 0, 1)])
attempt('proba-regressor', reg.predict_proba, array.array('f', [0]), array.array('f', [0]))
del model, reg
gc.collect()
before = gc.mem_alloc()
for i in range(5):
    m = emltrees.new(50, 500)
    with open('ok.csv') as f:
        emltrees.load_model(m, f)
del m
gc.collect()
emltest.emit('memory-kept', gc.mem_alloc() - before)
emltest.emit('alive')
"""


def test_bad_input_raises_clear_exceptions(device):
    files = {'cases.txt': ' '.join(LOAD_CASES)}
    for name, (text, cap) in LOAD_CASES.items():
        files[name + '.csv'] = seal(text)
        files[name + '.cap'] = ' '.join(map(str, cap))
    out = device.run(ERROR_SCRIPT, files=files)
    got = out.by_name()
    assert 'alive' in got
    for name in LOAD_CASES:
        result = got['load-' + name]
        if name == 'ok':
            assert result == ['ok', None]
        else:
            assert result[0] in ('ValueError',), (name, result)
    # messages name the line, or the needed and available numbers
    assert got['load-bad_threshold'][1] == 'line 9: malformed threshold'
    assert got['load-short_node'][1].startswith('line 9:')
    assert got['load-feature_range'][1].startswith('line 9: node feature')
    assert got['load-leaf_before_classes'][1].startswith('line 2:')
    assert got['load-leaf_bits'][1] == 'line 3: unsupported leaf bits'
    assert got['load-too_few_nodes'][1] == 'model needs 1 trees, 2 nodes, 5 leaf words; new() gave 1, 1, 8'
    assert got['load-too_few_leaf_words'][1].endswith('5 leaf words; new() gave 1, 2, 4')
    assert 'too many trees' in got['load-too_many_trees_for_bits'][1]
    assert 'out of range' in got['load-root_beyond_nodes'][1]
    assert got['load-kind_word'][1].startswith('line 3: malformed k line')
    assert got['load-kind_link'][1].startswith('line 3: k must follow c')
    assert got['load-kind_after_leaves'][1].startswith('line 7: k must follow c')
    assert got['load-boost_without_base'][1].startswith('model: b line needs one value per output')
    assert got['load-boost_base_count'][1].startswith('model: b line needs one value per output')
    assert got['load-base_not_hex'][1] == 'line 3: malformed float: expected 0x and 8 hex digits'
    assert got['load-nan_direction'][1] == 'line 9: malformed nan direction: expected 0 or 1'
    assert got['load-labels_count'][1] == 'model: 3 class labels for 2 classes'
    assert got['load-labels_kind'][1].startswith('line 3: malformed y line')
    assert got['load-int16_threshold'][1].startswith('line 8: node feature or child out of range')
    assert got['load-int16_bits'][1].startswith('line 8: malformed int16 node')
    assert got['load-int16_late'][1].startswith('line 9: f, c, k, d and lb must come before')
    assert got['load-scaler_length'][1] == 'line 4: scaler needs one value per feature'

    no_model = ['ValueError', 'no model loaded: call emltrees.load_model first']
    assert got['predict-before-load'] == got['counts-before-load'] == got['classes-before-load'] == no_model
    assert got['counts-after-bad-load'] == no_model
    assert got['counts'] == ['ok', [2, 2, 1, 2, 3, 5]]
    assert got['predict-ok'] == ['ok', 0] and got['predict-h'] == ['ok', 1]
    for name in ('predict-d', 'predict-i', 'predict-bytes'):   # a wrong typecode is not a length
        assert got[name] == ['TypeError', "x must be array('f') or array('h')"], (name, got[name])
    assert got['predict-short'] == ['ValueError', "x must be array('f') of length 2, got 1"]
    assert got['predict-long'] == ['ValueError', "x must be array('f') of length 2, got 3"]
    assert got['predict-list'][0] == 'TypeError'
    assert got['predict-nan'] == ['ValueError', 'x contains nan']
    assert got['predict-inf'] == ['ok', 0]
    assert got['proba-ok'] == ['ok', [0.5, 0.5]]
    assert got['proba-out-short'] == ['ValueError', "out must be array('f') of length 2, got 1"]
    assert got['proba-out-type'] == ['TypeError', "out must be array('f')"]
    assert got['reload-bad'][0] == 'ValueError' and got['predict-after-bad-load'][0] == 'ValueError'
    assert got['readline-int'][0] == 'TypeError' and got['no-readline'][0] == 'AttributeError'
    assert got['not-a-model'][0] == got['not-a-model-obj'][0] == 'TypeError'
    assert got['new-zero'][0] == got['new-huge'][0] == 'ValueError' and got['new-type'][0] == 'TypeError'
    assert got['regress'] == ['ok', [1.5, 1.5, -2.5]]
    assert got['proba-regressor'][0] == 'ValueError'
    # five models of about 8 KB each were made and dropped: the GC got them back
    assert got['memory-kept'][0] < 4096


def test_exporter_refuses_what_it_cannot_convert():
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier
    X, y = datasets.load_iris(return_X_y=True)
    with pytest.raises(ValueError, match='unsupported estimator LogisticRegression'):
        convert(LogisticRegression(max_iter=1000).fit(X, y))
    with pytest.raises(ValueError, match='not fitted'):
        convert(RandomForestClassifier())
    with pytest.raises(ValueError, match='not fitted'):
        convert(DecisionTreeClassifier())
    with pytest.raises(ValueError, match='single-output'):
        convert(DecisionTreeClassifier().fit(X, np.stack([y, y], axis=1)))
    with pytest.raises(ValueError, match='method'):
        convert(DecisionTreeClassifier().fit(X, y), method='nope')
    with pytest.raises(ValueError, match="only 'csv'"):
        convert(DecisionTreeClassifier().fit(X, y)).save(format='c')


# Streams the mutated files one after another from one file (a line
# "\x01" ends each), so that the board's small heap holds only one model.
FUZZ_SCRIPT = """\
import array, emltrees

class Part:
    def __init__(self, f):
        self.f = f
        self.done = False
    def readline(self):
        line = '' if self.done else self.f.readline()
        if line in ('', '\\x01\\n'):
            self.done = True
            return ''
        return line

model = emltrees.new(12, 200, 400)
x = array.array('f', [0.0] * 64)
xh = array.array('h', [0] * 64)
counts = {}
bad = []
with open('fuzz.txt') as f:
    for n in range(int(f.readline())):
        part = Part(f)
        try:
            emltrees.load_model(model, part, strict=False)
            for v in (-1e30, 0.0, 0.5, 3.0, 1e30):
                for i in range(model.n_features):
                    x[i] = v
                    xh[i] = int(max(-32768, min(32767, v)))
                try:
                    y = model.predict(x[:model.n_features])
                except TypeError:  # an int16 model
                    y = model.predict(xh[:model.n_features])
                if model.n_classes and not 0 <= y < model.n_classes:
                    bad.append(y)
            kind = 'loaded'
        except Exception as e:
            kind = type(e).__name__
        while part.readline():
            pass
        counts[kind] = counts.get(kind, 0) + 1
print(sorted(counts.items()))
print(bad)
"""


def mutate(text, rng):
    alphabet = list('0123456789,.-+xenlrfcb[] \n') + ['0x7f800000', '99999999999', '-1', ',,']
    s = list(text)
    for _ in range(rng.randint(1, 4)):
        op = rng.randint(6)
        i = rng.randint(len(s)) if s else 0
        if op == 0 and s:
            del s[i]
        elif op == 1:
            s.insert(i, alphabet[rng.randint(len(alphabet))])
        elif op == 2 and s:
            s[i] = alphabet[rng.randint(len(alphabet))]
        elif op == 3:
            s = s[:i]
        else:
            lines = ''.join(s).split('\n')
            j, k = rng.randint(len(lines)), rng.randint(len(lines))
            if op == 4:
                lines[j], lines[k] = lines[k], lines[j]
            else:
                lines.insert(j, lines[k])
            s = list('\n'.join(lines))
    return ''.join(s)


def test_loader_survives_mutated_files(device):
    rng = np.random.RandomState(11)
    X, y = datasets.load_iris(return_X_y=True)
    seeds = [
        convert(RandomForestClassifier(n_estimators=3, max_depth=3, random_state=1).fit(X, y)).save(),
        convert(RandomForestClassifier(n_estimators=3, max_depth=3, random_state=1).fit(X, y), leaf_bits=0).save(),
        convert(RandomForestRegressor(n_estimators=2, max_depth=3, random_state=1).fit(X, y)).save(),
        convert(__import__('xgboost').XGBClassifier(n_estimators=3, max_depth=2).fit(X, y)).save(),
        convert(__import__('sklearn.ensemble', fromlist=['x']).IsolationForest(
            n_estimators=3, max_samples=16, random_state=1).fit(X)).save(),
        convert(RandomForestClassifier(n_estimators=3, max_depth=3, random_state=1).fit(
            np.round(X * 10), y), dtype='int16').save(),
        GOOD,
        'f,4\r\nc,3\r\nlb,8\r\nl,[255   0   0]\r\nl,[  0 237  17]\r\nl,[  0   4 250]\r\nr,0\r\n'
        'n,3,0.75,-1,1\r\nn,2,4.85,-2,-3\r\n',
    ]
    # without their end lines: this test is for the parser, not the checksum
    seeds = [seed[:seed.find('end,')] if 'end,' in seed else seed for seed in seeds]
    blobs = [mutate(seeds[i % len(seeds)], rng) for i in range(4000)]
    text = f'{len(blobs)}\n' + ''.join(b.rstrip('\n') + '\n\x01\n' for b in blobs)
    out = device.run(FUZZ_SCRIPT, files={'fuzz.txt': text})
    counts = dict(out.results[0])
    print(counts)
    assert out.results[1] == []
    assert sum(counts.values()) == len(blobs)
    assert set(counts) <= {'loaded', 'ValueError'}, counts
    assert counts.get('ValueError', 0) > 1000 and counts.get('loaded', 0) > 100, counts
