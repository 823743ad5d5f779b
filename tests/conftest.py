"""Every device test runs on each target named by --targets (default: unix).

A test asks for the `device` fixture and calls device.run(script, files);
the script prints result lines that the test compares with the reference.
"""
import os

import pytest

from emlearn_micropython.targets import open_target
from emlearn_micropython.targets.spec import HELP


def pytest_addoption(parser):
    parser.addoption('--targets', default=os.environ.get('EML_TARGETS', 'unix'),
                     help=f'comma-separated targets: {HELP}')


def pytest_generate_tests(metafunc):
    if 'device' in metafunc.fixturenames:
        names = metafunc.config.getoption('targets').split(',')
        metafunc.parametrize('device', names, indirect=True, scope='session')


_started = {}


@pytest.fixture(scope='session')
def device(request):
    name = request.param
    if name not in _started:
        _started[name] = open_target(name)
    return _started[name]


def pytest_sessionfinish(session, exitstatus):
    for target in _started.values():
        target.close()
