"""A pytest plugin that writes each test's outcome as JSON: ``python -m pytest -p harness.recorder --record OUT``.

harness/suite.py loads it. It listens on the controlling process (with pytest-xdist too): outcome, the first line
of the failure, and how each program under test ended (harness/fixtures.py puts that on the report).
"""
import io
import json
from collections import OrderedDict

from harness.suite import CAUGHT, short_id


def pytest_addoption(parser):
    parser.addoption('--record', metavar='PATH', help='write each test outcome to PATH as JSON (harness/suite.py)')


def pytest_configure(config):
    path = config.getoption('record')
    if path and not hasattr(config, 'workerinput'):  # the controller, not an xdist worker
        config.pluginmanager.register(Recorder(path), 'harness-recorder')


class Recorder(object):
    def __init__(self, path):
        self.path = path
        self.outcomes = OrderedDict()

    def pytest_runtest_logreport(self, report):
        entry = self.outcomes.setdefault(short_id(report.nodeid), {'outcome': 'passed', 'message': '',
                                                                    'ended': []})
        if report.failed:
            if entry['outcome'] not in CAUGHT:
                entry['outcome'] = 'failed' if report.when == 'call' else 'error'
                entry['message'] = first_line(report)
                entry['ended'] = dict(report.user_properties).get('programs', [])
        elif report.skipped and entry['outcome'] == 'passed':
            entry['outcome'] = 'xfailed' if hasattr(report, 'wasxfail') else 'skipped'
        elif report.passed and report.when == 'call' and hasattr(report, 'wasxfail'):
            entry['outcome'] = 'xpassed'

    def pytest_sessionfinish(self, session):
        text = json.dumps(self.outcomes, indent=1)
        with io.open(self.path, 'w', encoding='utf-8') as f:
            f.write(text if isinstance(text, type(u'')) else text.decode('utf-8'))


def first_line(report):
    crash = getattr(getattr(report, 'longrepr', None), 'reprcrash', None)
    text = getattr(crash, 'message', None) or str(getattr(report, 'longrepr', '') or '')
    lines = [l for l in text.splitlines() if l.strip()]
    line = lines[0] if lines else ''
    return line if len(line) <= 300 else line[:297] + '...'
