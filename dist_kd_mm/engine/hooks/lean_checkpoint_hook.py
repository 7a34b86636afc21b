"""Checkpoints of a distillation run without the frozen teacher."""
from typing import Optional

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from dist_kd_mm.registry import HOOKS


@HOOKS.register_module()
class LeanCheckpointHook(Hook):
    """Leave the frozen teacher's weights out of every checkpoint.

    mmrazor's ``SingleTeacherDistill`` saves the teacher with the student, so
    a ResNet-34 teacher more than doubles a ResNet-18 run's checkpoints. This
    hook removes the ``teacher.*`` entries before a checkpoint is written;
    the student, optimizer and run state stay. Resuming (or ``load_from``)
    rebuilds the teacher from ``model.teacher_ckpt``, as at the start of the
    run, and loads the rest from the checkpoint.

    The teacher is kept when it cannot be rebuilt that way: when the run has
    no ``teacher_ckpt`` or the teacher is trainable.

    Args:
        teacher_prefix: state-dict prefix of the teacher's entries.
    """

    priority = 'VERY_LOW'

    def __init__(self, teacher_prefix: str = 'teacher.') -> None:
        self.teacher_prefix = teacher_prefix
        self.teacher_ckpt: Optional[str] = None
        self.enabled = False

    def before_run(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        model_cfg = runner.cfg.get('model', {})
        self.teacher_ckpt = model_cfg.get('teacher_ckpt', None)
        reason = None
        if not hasattr(model, 'teacher'):
            reason = 'the model has no teacher'
        elif not self.teacher_ckpt:
            reason = ('model.teacher_ckpt is not set, so the teacher could '
                      'not be rebuilt on resume')
        elif getattr(model, 'teacher_trainable', False):
            reason = 'the teacher is trainable'
        self.enabled = reason is None
        if not self.enabled:
            print_log(f'LeanCheckpointHook: checkpoints keep the teacher '
                      f'because {reason}.', logger='current')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if not self.enabled:
            return
        state_dict = checkpoint['state_dict']
        teacher_keys = [
            key for key in state_dict if key.startswith(self.teacher_prefix)
        ]
        for key in teacher_keys:
            del state_dict[key]
        meta = checkpoint.setdefault('meta', {})
        meta['teacher_in_checkpoint'] = False
        meta['teacher_ckpt'] = str(self.teacher_ckpt)
