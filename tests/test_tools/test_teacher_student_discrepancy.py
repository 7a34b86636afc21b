"""tools/analysis_tools/teacher_student_discrepancy.py on a small real run:
a digits teacher and a DIST student trained for two epochs, read back from
a plain and a distillation checkpoint, against a float64 numpy formula."""
import json
import os.path as osp

import numpy as np
import pytest
import torch

from helpers import REPO_ROOT, load_tool, run_train

DIGITS = osp.join(REPO_ROOT, 'configs', 'mmpretrain', 'digits')
TEACHER = osp.join(DIGITS, 'resnet20_1xb64_digits.py')
STUDENT = osp.join(DIGITS, 'resnet8-w2_1xb64_digits.py')
DIST = osp.join(REPO_ROOT, 'configs', 'distill', 'mmpretrain', 'dist',
                'dist_logits_resnet20_resnet8-w2_1xb64_digits.py')
SHORT = ('train_cfg.max_epochs=2', 'train_cfg.val_interval=2',
         'param_scheduler.T_max=2', 'default_hooks.checkpoint.interval=2')


@pytest.fixture(scope='module')
def small_run(tmp_path_factory):
    root = tmp_path_factory.mktemp('discrepancy')
    from tools.dataset_converters.export_digits import export_digits
    data = str(root / 'data')
    export_digits(data, limit=200, train_per_class=10)
    run_train(TEACHER, root / 'teacher', data, *SHORT)
    teacher_ckpt = str(root / 'teacher' / 'epoch_2.pth')
    run_train(DIST, root / 'dist', data, *SHORT,
              f'model.teacher_ckpt={teacher_ckpt}')
    return dict(root=root, data=data, teacher=teacher_ckpt,
                dist=str(root / 'dist' / 'epoch_2.pth'))


def pearson_rows(a, b):
    a = a - a.mean(1, keepdims=True)
    b = b - b.mean(1, keepdims=True)
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) *
                             np.linalg.norm(b, axis=1) + 1e-8)


def softmax(x, tau):
    x = x / tau
    e = np.exp(x - x.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def test_measures_match_a_numpy_formula(small_run, tmp_path):
    tool = load_tool('analysis_tools/teacher_student_discrepancy.py')
    out = tmp_path / 'out'
    results = tool.main([
        '--teacher', TEACHER, small_run['teacher'],
        '--student', 'DIST', DIST, small_run['dist'],
        '--student', 'teacher as student', TEACHER, small_run['teacher'],
        '--data-root', small_run['data'], '--tau', '2.0',
        '--out-dir', str(out)])
    # the same models and data, logits computed here, measures in numpy
    from mmengine.config import Config
    cfg = Config.fromfile(TEACHER)
    teacher = tool.build(TEACHER, small_run['teacher'], 'teacher')
    student = tool.build(DIST, small_run['dist'], 'student')
    (logits_t, logits_s), labels = tool.collect_logits(
        [teacher, student], cfg, small_run['data'])
    t, s, y = logits_t.numpy(), logits_s.numpy(), labels.numpy()
    p_t, p_s = softmax(t, 2.0), softmax(s, 2.0)
    measured = results['DIST']
    assert measured['kl'] == pytest.approx(
        np.mean((p_t * (np.log(p_t) - np.log(p_s))).sum(1)), rel=1e-9)
    assert measured['inter'] == pytest.approx(
        pearson_rows(p_s, p_t).mean(), rel=1e-9)
    assert measured['intra'] == pytest.approx(
        pearson_rows(p_s.T, p_t.T).mean(), rel=1e-9)
    agree = t.argmax(1) == s.argmax(1)
    assert measured['agreement'] == pytest.approx(agree.mean())
    assert measured['student_top1'] == pytest.approx(
        100 * (s.argmax(1) == y).mean())
    for label, row in measured['per_class'].items():
        member = y == int(label)
        assert row['images'] == member.sum()
        assert row['agreement'] == pytest.approx(agree[member].mean())
    # a teacher compared with itself
    same = results['teacher as student']
    assert same['kl'] == pytest.approx(0.0, abs=1e-12)
    assert same['agreement'] == 1.0
    # 1 but for eps in the denominator, against near-uniform probabilities
    assert same['inter'] == pytest.approx(1.0, abs=1e-3)
    assert same['intra'] == pytest.approx(1.0, abs=1e-3)
    written = json.loads((out / 'discrepancy.json').read_text())
    assert written['images'] == len(y) and written['tau'] == 2.0
    assert (out / 'discrepancy.png').read_bytes()[:4] == b'\x89PNG'


def test_a_lean_checkpoint_is_no_teacher(small_run):
    tool = load_tool('analysis_tools/teacher_student_discrepancy.py')
    state = torch.load(small_run['dist'], map_location='cpu')
    assert not any(k.startswith('teacher.') for k in state['state_dict'])
    with pytest.raises(KeyError, match='lean distillation checkpoint'):
        tool.build(TEACHER, small_run['dist'], 'teacher')
