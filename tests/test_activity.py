"""examples/activity end to end on each target: BasicMotions recordings ->
windows -> emlfeatures -> RandomForest (emltrees) -> vote over the last
windows. The device's labels must equal the computer's for every window of
every held-out recording (the computer repeats the device's float32 maths);
accuracy is reported, and checked against a chance-level floor only.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'examples' / 'activity'))
import activity  # noqa: E402  (the example itself, as users run it)


def test_activity_example(device):
    result = activity.run(device, n_trees=5)
    print(result)
    assert result['agree']
    assert result['recordings'] == 40 and result['windows'] == 40 * 5
    assert result['device_accuracy'] == result['host_accuracy']
    assert result['host_accuracy'] > 0.5  # 4 classes: chance is 0.25
