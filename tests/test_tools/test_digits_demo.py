"""The `make demo` pipeline, reduced: a subset of the digits, two seeds,
two epochs."""
import json
import sys

from helpers import REPO_ROOT, run_command

NAMES = ['teacher ResNet-20', 'student alone', 'student + KD',
         'student + DIST', 'student + CMKD', 'student + DIST+']


def test_demo_trains_every_run_per_seed(tmp_path):
    work_dir = tmp_path / 'demo'
    result = run_command([
        sys.executable, '-m', 'tools.demo.digits_demo', '--work-dir',
        str(work_dir), '--epochs', '2', '--limit', '300', '--seeds', '3', '4'
    ], cwd=REPO_ROOT)
    output = result.stdout
    assert '100 train (10 per class)' in output
    for step in range(1, 13):
        assert f'[{step:>2}/12]' in output
    for name in NAMES:
        rows = [line for line in output.splitlines()
                if line.startswith(name + ' ') and '+-' in line]
        assert len(rows) == 1, name
    assert "larger than their seeds' spread" in output

    results = json.loads((work_dir / 'results.json').read_text())
    assert results['images'] == {'train': 100, 'val': 60}
    assert results['seeds'] == [3, 4]
    assert [run['name'] for run in results['runs']] == NAMES
    for run in results['runs']:
        assert len(run['final_top1']) == 2
        assert all(0.0 <= top1 <= 100.0 for top1 in run['final_top1'])
        for seed in ('3', '4'):
            assert [epoch for epoch, _ in run['curves'][seed]] == [1, 2]
            assert run['curves'][seed][-1][1] in run['final_top1']
        mean = sum(run['final_top1']) / 2
        assert abs(run['mean'] - mean) < 1e-3

    png = (work_dir / 'val_accuracy.png').read_bytes()
    assert png[:8] == b'\x89PNG\r\n\x1a\n' and len(png) > 10000
    # the students' diagnostic curves beside it
    for group in ('losses', 'agreement', 'kl_entropy', 'grads'):
        png = (work_dir / 'diagnostics' / f'distill_{group}.png').read_bytes()
        assert png[:8] == b'\x89PNG\r\n\x1a\n' and len(png) > 10000

    for seed in (3, 4):  # each seed distils from the teacher of its seed
        teacher_ckpt = (work_dir / 'teacher_resnet_20' / f'seed{seed}' /
                        'epoch_2.pth')
        assert teacher_ckpt.exists()
        for student in ('student_kd', 'student_dist', 'student_cmkd',
                        'student_dist_plus'):
            log = (work_dir / student / f'seed{seed}' /
                   'demo_train.log').read_text()
            assert str(teacher_ckpt) in log, (student, seed)
            assert 'teacher.accuracy/top1' in log
            assert f'randomness = dict(deterministic=False, seed={seed})' \
                in log
    plus = (work_dir / 'student_dist_plus' / 'seed3' /
            'demo_train.log').read_text()
    assert 'teacher.loss_ta' in plus and 'distill.loss_feature' in plus
