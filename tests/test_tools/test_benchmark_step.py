"""tools/analysis_tools/benchmark_step.py names configs that exist."""
import os.path as osp

import torch

from helpers import load_tool


def test_every_case_names_an_existing_config():
    tool = load_tool('analysis_tools/benchmark_step.py')
    assert len(tool.CASES) == 6
    for case in tool.CASES.values():
        assert osp.isfile(osp.join(tool.REPO_ROOT, case['config'])), case


def test_teacher_autocast_figures_time_each_precision(monkeypatch):
    """Each timed teacher forward runs in the precision it is timed as: the
    float32 runs with teacher_autocast None, the bfloat16 ones under
    bfloat16 (warm-up and one round: two calls each)."""
    from dist_kd_mm.models.algorithms import SingleTeacherDistill
    tool = load_tool('analysis_tools/benchmark_step.py')
    seen = []
    original = SingleTeacherDistill.forward_teacher

    def spy(self, *args, **kwargs):
        seen.append(self.teacher_autocast)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SingleTeacherDistill, 'forward_teacher', spy)
    case = tool.CASES['classification R34->R18, 8x3x112x112']
    result = tool.teacher_autocast_figures(case['config'], 2, (32, 32), 1,
                                           'cpu')
    timed = seen[2:]  # after the two loss forwards
    assert timed.count(None) == 2 and timed.count(torch.bfloat16) == 2
    assert timed[0] is None and timed[1] is torch.bfloat16
    assert result['float32'] > 0 and result['bfloat16'] > 0
    assert 0 <= result['loss_change'] < 0.05


def test_diagnostics_figures_measure_only_the_measured_step(monkeypatch):
    """The measured step runs the hook's measurement (once in the warm-up,
    once in the round), the plain step does not."""
    from dist_kd_mm.engine import DistillDiagnosticsHook
    tool = load_tool('analysis_tools/benchmark_step.py')
    measured = []
    original = DistillDiagnosticsHook._measure

    def spy(self, *args):
        measured.append(len(self.calls))
        return original(self, *args)

    monkeypatch.setattr(DistillDiagnosticsHook, '_measure', spy)
    case = tool.CASES['classification R34->R18, 8x3x112x112']
    result = tool.diagnostics_figures(case['config'], 2, (32, 32), 1, 'cpu')
    assert measured == [1, 1]  # one DIST loss captured each time
    assert result['step'] > 0 and result['measured'] > 0
