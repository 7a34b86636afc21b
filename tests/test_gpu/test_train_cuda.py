"""Distillation steps on CUDA through the real Runner: one training
iteration of each config family in float32 and under AMP (float16 and
bfloat16), the teacher under teacher_autocast='bfloat16', and a short run
resumed with --resume against an uninterrupted one. Marked ``gpu``: not
collected without CUDA (tests/conftest.py)."""
import os.path as osp

import pytest
import torch

from dist_kd_mm import DISTLoss
from helpers import TEST_CONFIGS, run_stopped_and_resumed, save_tiny_teacher
from helpers.families import FAMILIES, family_runner

pytestmark = pytest.mark.gpu


def train_one_iteration(runner, monkeypatch):
    """Run it; the DIST losses' (student logits dtype, loss dtype, loss
    device) and the student's and teacher's parameters before and after."""
    seen = []
    original = DISTLoss.forward

    def spy(self, logits_S, logits_T, gt_labels=None):
        loss = original(self, logits_S, logits_T, gt_labels)
        seen.append((logits_S.dtype, logits_T.dtype, loss.dtype,
                     loss.device.type, bool(torch.isfinite(loss))))
        return loss

    monkeypatch.setattr(DISTLoss, 'forward', spy)
    model = runner.model
    before = {k: v.detach().clone() for k, v in model.state_dict().items()}
    runner.train()
    after = model.state_dict()
    return seen, before, after


@pytest.mark.parametrize('precision', ['float32', 'float16', 'bfloat16'])
@pytest.mark.parametrize('family', sorted(FAMILIES))
def test_one_iteration_on_cuda(family, precision, request, tmp_path,
                               monkeypatch):
    runner = family_runner(family, request, tmp_path, precision)
    seen, before, after = train_one_iteration(runner, monkeypatch)
    assert seen, 'no DIST loss ran'
    for logits_s, _, loss_dtype, device, finite in seen:
        assert loss_dtype == torch.float32 and device == 'cuda' and finite
        if precision != 'float32':
            assert logits_s == getattr(torch, precision)
    student = [k for k in before if k.startswith('architecture.')
               and before[k].is_floating_point()]
    teacher = [k for k in before if k.startswith('teacher.')]
    assert any(not torch.equal(before[k], after[k]) for k in student), (
        'the student did not move')
    for key in teacher:
        assert torch.equal(before[key], after[key]), key
    assert all(p.grad is None
               for p in runner.model.teacher.parameters())


@pytest.mark.parametrize('family', ['classification', 'two-stage'])
def test_teacher_autocast_bfloat16_on_cuda(family, request, tmp_path,
                                           monkeypatch):
    runner = family_runner(family, request, tmp_path,
                           teacher_autocast='bfloat16')
    seen, _, _ = train_one_iteration(runner, monkeypatch)
    assert seen
    for logits_s, logits_t, loss_dtype, device, finite in seen:
        # the teacher's records are cast back to float32 for the losses
        assert (logits_s, logits_t, loss_dtype) == (torch.float32, ) * 3
        assert device == 'cuda' and finite


KILLED = osp.join(TEST_CONFIGS,
                  'dist_tiny-resnet_imagefolder_killed-after-2.py')
UNINTERRUPTED = osp.join(TEST_CONFIGS, 'dist_tiny-resnet_imagefolder.py')


def test_a_resumed_cuda_run_ends_with_the_uninterrupted_weights(
        tmp_path, tiny_imagefolder):
    """Equal to 1e-4 (relative) rather than bit for bit: cuDNN's
    convolution backward may sum in another order from run to run (atomic
    adds), and mmengine's deterministic mode would also stop at the
    backward of adaptive average pooling, which has no deterministic CUDA
    kernel. The CPU test (tests/test_tools/test_train_resume.py) is
    bit-identical."""
    teacher = save_tiny_teacher(tmp_path / 'teacher.pth')
    uninterrupted, stopped, _ = run_stopped_and_resumed(
        UNINTERRUPTED, KILLED, tmp_path, tiny_imagefolder,
        f'model.teacher_ckpt={teacher}')
    whole = torch.load(uninterrupted / 'iter_4.pth', map_location='cpu')
    resumed = torch.load(stopped / 'iter_4.pth', map_location='cpu')
    student = [k for k in whole['state_dict']
               if k.startswith('architecture.')]
    assert student
    for key in student:
        torch.testing.assert_close(resumed['state_dict'][key],
                                   whole['state_dict'][key], rtol=1e-4,
                                   atol=1e-6, msg=key)
