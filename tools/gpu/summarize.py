"""Write OUT/summary.json for tools/gpu/device_check.sh and print it.

    python tools/gpu/summarize.py OUT SECONDS CPU_MODE

Reads OUT/steps.tsv (name, exit status or 'skipped', seconds, reason),
OUT/versions.txt, OUT/tests.xml (pytest's JUnit report) and each figure
step's output, OUT/<step>.txt, whose table lines it keeps as they are.
Exits 1 when a step that ran failed, or was skipped because the time
budget was spent (in CPU mode, pytest's 5, "no tests collected", is the
expected result of deselected GPU tests).
"""
import json
import os.path as osp
import sys
import xml.etree.ElementTree as ET

FIGURES = ('step', 'step-amp', 'teacher-autocast', 'loss', 'chunks')
NO_TESTS_COLLECTED = 5


def read_steps(out: str) -> dict:
    steps = {}
    with open(osp.join(out, 'steps.tsv')) as f:
        for line in f:
            name, status, seconds, *reason = line.rstrip('\n').split('\t')
            steps[name] = dict(
                status=status if status == 'skipped' else int(status),
                seconds=int(seconds), reason=reason[0] if reason else None)
    return steps


def read_tests(out: str) -> dict:
    """Pass, fail, error and skip counts of pytest's JUnit report."""
    path = osp.join(out, 'tests.xml')
    if not osp.exists(path):
        return {}
    root = ET.parse(path).getroot()
    suite = root if root.tag == 'testsuite' else root.find('testsuite')
    counts = {key: int(suite.get(key, 0))
              for key in ('tests', 'failures', 'errors', 'skipped')}
    counts['passed'] = (counts['tests'] - counts['failures'] -
                        counts['errors'] - counts['skipped'])
    counts['failed'] = [
        f"{case.get('classname')}::{case.get('name')}"
        for case in suite.iter('testcase')
        if case.find('failure') is not None or case.find('error') is not None
    ]
    return counts


def read_lines(out: str, name: str) -> list:
    path = osp.join(out, f'{name}.txt')
    if not osp.exists(path):
        return []
    with open(path) as f:
        return [line.rstrip() for line in f
                if line.strip() and ' - mmengine - ' not in line
                and 'Warning' not in line and not line.startswith(' ')]


def ok(name: str, step: dict, cpu_mode: bool) -> bool:
    if step['status'] == 'skipped':  # for want of CUDA, or of time
        return 'budget' not in (step['reason'] or '')
    if name == 'tests' and cpu_mode:
        return step['status'] in (0, NO_TESTS_COLLECTED)
    return step['status'] == 0


def main() -> int:
    out, seconds, cpu_mode = sys.argv[1], int(sys.argv[2]), sys.argv[3] == '1'
    steps = read_steps(out)
    summary = dict(
        mode='cpu' if cpu_mode else 'gpu',
        seconds=seconds,
        versions=read_lines(out, 'versions'),
        steps=steps,
        tests=read_tests(out),
        figures={name: read_lines(out, name) for name in FIGURES
                 if steps.get(name, {}).get('status') != 'skipped'},
        failed_steps=[name for name, step in steps.items()
                      if not ok(name, step, cpu_mode)],
    )
    with open(osp.join(out, 'summary.json'), 'w') as f:
        json.dump(summary, f, indent=1)
    print(json.dumps({key: summary[key] for key in
                      ('mode', 'seconds', 'tests', 'failed_steps')}))
    return 1 if summary['failed_steps'] else 0


if __name__ == '__main__':
    sys.exit(main())
