"""Checkpoints of a distillation run without the frozen teacher."""
import hashlib
from typing import Optional

import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from dist_kd_mm.registry import HOOKS


@HOOKS.register_module()
class LeanCheckpointHook(Hook):
    """Leave the frozen teacher's weights out of every checkpoint.

    mmrazor's ``SingleTeacherDistill`` saves the teacher with the student, so
    a ResNet-34 teacher more than doubles a ResNet-18 run's checkpoints. This
    hook removes the ``teacher.*`` entries before a checkpoint is written
    (also from the EMA copy of mmengine's ``EMAHook``); the student,
    optimizer and run state stay. Resuming (or ``load_from``)
    rebuilds the teacher from ``model.teacher_ckpt``, as at the start of the
    run, and loads the rest from the checkpoint.

    The teacher is kept when it cannot be rebuilt that way: when the run has
    no ``teacher_ckpt`` or the teacher is trainable. With teacher
    acclimation, the acclimated parts (``model.acclimated_parts``) change
    during the run and stay in every checkpoint; only the frozen rest is
    left out.

    Resuming (``--resume``) from a plain model's checkpoint, which has no
    ``architecture.*`` keys, stops with an error that says to use
    ``load_from`` (which loads it into the student) instead.

    A lean checkpoint records the teacher's identity: a digest of the
    teacher's weights as loaded, computed once per run. Resuming from it
    (or ``load_from``) compares that digest with the teacher the new run
    loaded and stops with an error if the file at ``teacher_ckpt`` now holds
    another teacher, or if the run has no ``teacher_ckpt`` at all (its
    teacher would be random). Checkpoints that hold the teacher load as
    usual.

    Args:
        teacher_prefix: state-dict prefix of the teacher's entries.
    """

    priority = 'VERY_LOW'

    def __init__(self, teacher_prefix: str = 'teacher.') -> None:
        self.teacher_prefix = teacher_prefix
        self.teacher_ckpt: Optional[str] = None
        self.teacher_digest: Optional[str] = None
        self.kept: tuple[str, ...] = ()
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
        if self.enabled:
            self.teacher_digest = weights_digest(model.teacher)
            self.kept = tuple(f'{self.teacher_prefix}{part}.' for part in
                              getattr(model, 'acclimated_parts', ()))
        else:
            print_log(f'LeanCheckpointHook: checkpoints keep the teacher '
                      f'because {reason}.', logger='current')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if not self.enabled:
            return
        # mmengine's EMAHook keeps an averaged copy of the whole model
        # (keys 'module.<name>'); its frozen teacher goes too, or resuming
        # would look for the teacher's keys in the lean state dict.
        for field, prefix in (('state_dict', ''), ('ema_state_dict',
                                                   'module.')):
            state_dict = checkpoint.get(field, {})
            teacher_keys = [
                key for key in state_dict
                if key.startswith(prefix + self.teacher_prefix)
                and not key.removeprefix(prefix).startswith(self.kept)
            ]
            for key in teacher_keys:
                del state_dict[key]
        meta = checkpoint.setdefault('meta', {})
        meta['teacher_in_checkpoint'] = False
        meta['teacher_parts_in_checkpoint'] = list(self.kept)
        meta['teacher_ckpt'] = str(self.teacher_ckpt)
        meta['teacher_digest'] = self.teacher_digest

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Refuse to resume from a plain model's checkpoint, and a lean
        checkpoint whose teacher is not the run's."""
        state_dict = checkpoint.get('state_dict', checkpoint)
        if getattr(runner, '_resume', False) and not any(
                key.removeprefix('module.').startswith('architecture.')
                for key in state_dict):
            source = (getattr(runner, '_load_from', None)
                      or 'the latest checkpoint of the work dir')
            raise RuntimeError(
                f'--resume needs a checkpoint of a distillation run, but '
                f'{source!r} holds a plain model (no architecture.* keys), '
                'whose optimizer and iteration do not belong to this run. '
                'Start from it with load_from (without --resume): its '
                'weights are loaded into the student.')
        meta = checkpoint.get('meta', {})
        if meta.get('teacher_in_checkpoint', True):
            return
        saved_with = meta.get('teacher_ckpt')
        if not self.teacher_ckpt:
            raise RuntimeError(
                'The checkpoint was saved without its teacher '
                '(LeanCheckpointHook) and this run has no model.teacher_ckpt,'
                ' so the teacher would be random. Set model.teacher_ckpt to '
                f'the file the run was trained with: {saved_with!r}.')
        expected = meta.get('teacher_digest')
        if expected is not None and expected != self.teacher_digest:
            raise RuntimeError(
                f'The teacher loaded from {self.teacher_ckpt!r} is not the '
                'one this checkpoint was trained with (loaded from '
                f'{saved_with!r}; weights digest {expected}, now '
                f'{self.teacher_digest}): the file was replaced or another '
                'teacher is named. Restore that teacher file, or start a new'
                ' run from the student (load_from a checkpoint converted with'
                ' tools/model_converters/convert_kd_ckpt_to_student.py).')


def weights_digest(module: torch.nn.Module) -> str:
    """A short SHA-256 of a module's state dict: names, shapes, dtypes and
    bytes, in name order."""
    digest = hashlib.sha256()
    for name, value in sorted(module.state_dict().items()):
        value = value.detach().cpu().contiguous().reshape(-1)
        digest.update(f'{name}:{tuple(value.shape)}:{value.dtype}'.encode())
        digest.update(value.view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()[:16]
