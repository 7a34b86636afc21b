"""Validation of the student and the teacher, with the hooks called once."""
from mmrazor.engine.runner import (
    SingleTeacherDistillValLoop as _MMRazorDistillValLoop,
)

from dist_kd_mm.registry import LOOPS


@LOOPS.register_module()
class SingleTeacherDistillValLoop(_MMRazorDistillValLoop):
    """mmrazor's ``SingleTeacherDistillValLoop`` with each epoch hook called
    once: the student's metrics, then the teacher's as ``teacher.<metric>``.

    mmrazor 1.0.0 calls ``before_val_epoch`` a second time before the
    teacher's pass and ``after_val_epoch`` once. Hooks that pair the two
    calls then end unpaired; with mmengine's ``EMAHook``, which swaps the
    averaged weights in before validation and out after it, the student
    trains on from its averaged weights after every validation (and a
    resumed run differs from an uninterrupted one).
    """

    def run(self) -> dict:
        """Validate the student, then the teacher; returns both metrics."""
        self.runner.call_hook('before_val')
        self.runner.call_hook('before_val_epoch')
        self.runner.model.eval()
        for idx, data_batch in enumerate(self.dataloader):
            self.run_iter(idx, data_batch)
        metrics = self.evaluator.evaluate(len(self.dataloader.dataset))
        for idx, data_batch in enumerate(self.dataloader):
            self.run_iter_teacher(idx, data_batch)
        teacher_metrics = self.evaluator.evaluate(len(self.dataloader.dataset))
        metrics.update(
            {f'teacher.{key}': value
             for key, value in teacher_metrics.items()})
        self.runner.call_hook('after_val_epoch', metrics=metrics)
        self.runner.call_hook('after_val')
        return metrics
