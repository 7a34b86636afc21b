"""Time of a distillation training step against its parts, in one process.

    python tools/benchmark_step.py [--threads 2] [--repeats 5]

For the classification (ResNet-34 -> ResNet-18, ImageNet) and segmentation
(DeepLabV3-R101 -> DeepLabV3-R18, Cityscapes) configs at reduced image size,
it builds the real models (no checkpoints), preprocesses one batch, and times
(median of ``--repeats`` interleaved rounds, after warm-up):

* distill: forward of teacher and student with the recorders and the DIST
  losses, backward and optimizer step (``SingleTeacherDistill``);
* student: the student's own training step (forward, loss, backward, step);
* teacher: one teacher inference (``mode='tensor'``, no gradient),

and prints ``distill / (student + teacher)``: what the recorders and the
distillation losses add on top of the two networks.
"""
import argparse
import copy
import os.path as osp
import statistics
import time

import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope

import dist_kd_mm  # noqa: F401  (before mmrazor)

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CASES = {
    'classification R34->R18, 8x3x112x112': dict(
        config='configs/distill/mmpretrain/dist/'
        'dist_logits_resnet34_resnet18_8xb32_in1k.py',
        batch=8, size=(112, 112)),
    'segmentation DLv3 R101->R18, 2x3x128x256': dict(
        config='configs/distill/mmseg/dist/dist_logits_deeplabv3_r101-d8_'
        'deeplabv3_r18-d8_8xb2-40k_cityscapes-512x1024.py',
        batch=2, size=(128, 256)),
}


def build(config: str, size: tuple):
    from mmrazor.registry import MODELS
    cfg = Config.fromfile(osp.join(REPO_ROOT, config))
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.teacher_ckpt = None
    if 'pretrained' in model_cfg.architecture:
        model_cfg.architecture.pretrained = None
    if 'size' in model_cfg.data_preprocessor:
        model_cfg.data_preprocessor.size = size
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(model_cfg)
    from mmengine.model import revert_sync_batchnorm
    return revert_sync_batchnorm(model)


def make_batch(model, batch: int, size: tuple, segmentation: bool) -> dict:
    generator = torch.Generator().manual_seed(0)
    inputs, samples = [], []
    for _ in range(batch):
        inputs.append(torch.randint(0, 256, (3, *size), generator=generator,
                                    dtype=torch.uint8))
        if segmentation:
            from mmengine.structures import PixelData
            from mmseg.structures import SegDataSample
            sample = SegDataSample()
            sample.gt_sem_seg = PixelData(data=torch.randint(
                0, 19, (1, *size), generator=generator))
            sample.set_metainfo(dict(img_shape=size, ori_shape=size,
                                     pad_shape=size))
        else:
            from mmpretrain.structures import DataSample
            sample = DataSample().set_gt_label(
                int(torch.randint(0, 1000, (1, ), generator=generator)))
        samples.append(sample)
    return model.data_preprocessor(dict(inputs=inputs, data_samples=samples),
                                   True)


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def benchmark(config: str, batch: int, size: tuple, repeats: int) -> dict:
    model = build(config, size)
    model.train()
    data = make_batch(model, batch, size, 'mmseg' in config)
    student = model.architecture
    optim_wrapper = OptimWrapper(torch.optim.SGD(
        [p for p in student.parameters() if p.requires_grad], lr=1e-4))

    def step(losses):
        loss, _ = model.parse_losses(losses)
        optim_wrapper.update_params(loss)

    steps = {
        'distill': lambda: step(model(**data, mode='loss')),
        'student': lambda: step(student(**data, mode='loss')),
        'teacher': lambda: _teacher_inference(model, data),
    }
    for run in steps.values():  # warm-up
        run()
    times: dict = {name: [] for name in steps}
    for _ in range(repeats):
        for name, run in steps.items():
            times[name].append(timed(run))
    return {name: statistics.median(values) for name, values in times.items()}


def _teacher_inference(model, data) -> None:
    with torch.no_grad():
        model.teacher(data['inputs'], data['data_samples'], mode='tensor')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--repeats', type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f'CPU, {torch.get_num_threads()} thread(s), median of '
          f'{args.repeats} interleaved rounds')
    header = (f'{"case":<44}{"distill s":>10}{"student s":>10}'
              f'{"teacher s":>10}{"ratio":>8}')
    print(header)
    print('-' * len(header))
    for label, case in CASES.items():
        result = benchmark(case['config'], case['batch'], case['size'],
                           args.repeats)
        ratio = result['distill'] / (result['student'] + result['teacher'])
        print(f'{label:<44}{result["distill"]:>10.3f}'
              f'{result["student"]:>10.3f}{result["teacher"]:>10.3f}'
              f'{ratio:>8.3f}')
    print('ratio = distill step / (student step + teacher inference); '
          'target <= 1.1')


if __name__ == '__main__':
    main()
