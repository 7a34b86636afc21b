"""The `make demo` pipeline on a subset of the digits, for a few epochs."""
import json
import os.path as osp
import sys

from helpers import REPO_ROOT, run_command

DEMO = osp.join(REPO_ROOT, 'tools', 'demo', 'digits_demo.py')


def test_demo_trains_teacher_and_four_students(tmp_path):
    work_dir = tmp_path / 'demo'
    result = run_command([
        sys.executable, DEMO, '--work-dir', str(work_dir), '--epochs', '2',
        '--limit', '300'
    ], cwd=str(tmp_path))
    output = result.stdout
    for step in range(1, 7):
        assert f'[{step}/6]' in output
    assert output.count('epoch   2/2') == 5
    table_rows = [line for line in output.splitlines() if line.startswith(
        ('teacher ResNet-20', 'student alone', 'student + KD',
         'student + DIST', 'student + CMKD'))]
    assert len(table_rows) == 5

    results = json.loads((work_dir / 'results.json').read_text())
    assert results['images']['train'] + results['images']['val'] == 300
    assert [run['name'] for run in results['runs']] == [
        'teacher ResNet-20', 'student alone', 'student + KD',
        'student + DIST', 'student + CMKD'
    ]
    for run in results['runs']:
        assert [epoch for epoch, _ in run['curve']] == [1, 2]
        assert all(0.0 <= top1 <= 100.0 for _, top1 in run['curve'])

    png = (work_dir / 'val_accuracy.png').read_bytes()
    assert png[:8] == b'\x89PNG\r\n\x1a\n' and len(png) > 10000

    teacher_ckpt = work_dir / 'teacher_resnet_20' / 'epoch_2.pth'
    assert teacher_ckpt.exists()
    for student in ('student_kd', 'student_dist', 'student_cmkd'):
        log = (work_dir / student / 'demo_train.log').read_text()
        assert str(teacher_ckpt) in log, f'{student} did not load the teacher'
        assert 'teacher.accuracy/top1' in log
