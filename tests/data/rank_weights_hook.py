"""A test-only hook: every rank saves its student's parameters after
training (buffers such as BN running statistics stay per rank: mmengine's DDP
does not broadcast them)."""
import os.path as osp

import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS


@HOOKS.register_module()
class SaveRankWeightsHook(Hook):
    """Write ``<work_dir>/student_rank<r>.pth`` after the last iteration."""

    priority = 'LOWEST'

    def after_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        student = getattr(model, 'architecture', model)
        parameters = {
            name: value.detach()
            for name, value in student.named_parameters()
        }
        torch.save(parameters,
                   osp.join(runner.work_dir, f'student_rank{get_rank()}.pth'))
