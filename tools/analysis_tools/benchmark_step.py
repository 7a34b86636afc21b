"""Time of a distillation training step against its parts, in one process.

    python tools/analysis_tools/benchmark_step.py [--threads 2] [--repeats 5]
        [--cases ...] [--device cuda] [--amp float16|bfloat16]
    python tools/analysis_tools/benchmark_step.py --teacher-autocast
        [--device cuda] [--cases ...]
    python tools/analysis_tools/benchmark_step.py --diagnostics
        [--device cuda] [--cases ...]

For the classification (ResNet-34 -> ResNet-18, ImageNet), detection
(Cascade Mask R-CNN X101 and Faster R-CNN R101 -> Faster R-CNN R50 on RoI
logits, RetinaNet X101 -> R50, COCO) and segmentation (DeepLabV3-R101 ->
DeepLabV3-R18, Cityscapes) configs at reduced image size, it builds the real
models (no checkpoints), preprocesses one batch, and times (median of
``--repeats`` interleaved rounds, after warm-up):

* distill: forward of teacher and student with the recorders and the DIST
  losses, backward and optimizer step (``SingleTeacherDistill``);
* student: the student's own training step (forward, loss, backward, step);
* teacher: one teacher inference (no gradient; ``mode='predict'`` for
  detectors, ``mode='tensor'`` otherwise),

and prints ``distill / (student + teacher)``: what the recorders and the
distillation losses add on top of the two networks. For the DIST+ case
(feature relations and teacher acclimation) it also times the same step with
``teacher_acclimation=None``: what acclimation adds. For the RoI-logits
configs (``StudentRoIDistill``) it also times the teacher's RoI pass alone:
its first box head on the student's sampled RoIs (given the teacher's
features), the part of the step that a plain teacher inference does not
have.

``--device cuda`` runs the same on the GPU (synchronized around each timed
call); ``--amp`` runs the steps under mmengine's ``AmpOptimWrapper`` of that
dtype and the teacher inference under autocast (GPU only).
``--teacher-autocast`` times instead the teacher's forward in float32
against ``teacher_autocast='bfloat16'`` (the frozen teacher's training
forward under bfloat16 autocast) and prints the relative change of the
distillation loss on the same batch. ``--diagnostics`` times the
distillation step alone against the same step measured by
``DistillDiagnosticsHook`` (which measures one step per logger interval).
"""
import argparse
import copy
import os.path as osp
import statistics
import time
from typing import Optional

import torch
from mmengine.config import Config
from mmengine.optim import AmpOptimWrapper, OptimWrapper
from mmengine.registry import DefaultScope

import dist_kd_mm  # noqa: F401  (before mmrazor)

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CASES = {
    'classification R34->R18, 8x3x112x112': dict(
        config='configs/distill/mmpretrain/dist/'
        'dist_logits_resnet34_resnet18_8xb32_in1k.py',
        batch=8, size=(112, 112)),
    'classification DIST+ R34->R18, 8x3x112x112': dict(
        config='configs/distill/mmpretrain/dist-plus/'
        'dist-plus_resnet34_resnet18_8xb32_in1k.py',
        batch=8, size=(112, 112)),
    'detection CascadeMask X101->Faster R50, 2x3x320x320': dict(
        config='configs/distill/mmdet/dist/dist_roi-logits_cascade-mask-'
        'rcnn_x101-64x4d_faster-rcnn_r50_2x_coco.py',
        batch=2, size=(320, 320)),
    'detection Faster R101->R50, 2x3x320x320': dict(
        config='configs/distill/mmdet/dist/dist_roi-logits_faster-rcnn_'
        'r101_faster-rcnn_r50_2x_coco.py',
        batch=2, size=(320, 320)),
    'detection RetinaNet X101->R50, 2x3x320x320': dict(
        config='configs/distill/mmdet/dist/dist_cls-logits_retinanet_'
        'x101-64x4d_retinanet_r50_2x_coco.py',
        batch=2, size=(320, 320)),
    'segmentation DLv3 R101->R18, 2x3x128x256': dict(
        config='configs/distill/mmseg/dist/dist_logits_deeplabv3_r101-d8_'
        'deeplabv3_r18-d8_8xb2-40k_cityscapes-512x1024.py',
        batch=2, size=(128, 256)),
}

# --memory: the shipped configs' full training size, 2 images
MEMORY_CASES = {
    'detection RetinaNet X101->R50, 2x3x800x1333': dict(
        config=CASES['detection RetinaNet X101->R50, 2x3x320x320']['config'],
        batch=2, size=(800, 1333)),
    'segmentation DLv3 R101->R18, 2x3x512x1024': dict(
        config=CASES['segmentation DLv3 R101->R18, 2x3x128x256']['config'],
        batch=2, size=(512, 1024)),
}


def build(config: str, size: tuple, **options):
    from mmrazor.registry import MODELS
    cfg = Config.fromfile(osp.join(REPO_ROOT, config))
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.update(options)
    model_cfg.teacher_ckpt = None
    if 'pretrained' in model_cfg.architecture:
        model_cfg.architecture.pretrained = None
    if 'init_cfg' in model_cfg.architecture.get('backbone', {}):
        model_cfg.architecture.backbone.init_cfg = None
    if 'size' in model_cfg.get('data_preprocessor', {}):
        model_cfg.data_preprocessor.size = size
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(model_cfg)
    # the reduced image size is below a classification teacher's test size:
    # time the step as it is, without the size check
    model.teacher_size = None
    from mmengine.model import revert_sync_batchnorm
    return revert_sync_batchnorm(model)


def detection_sample(size: tuple, generator: torch.Generator):
    """A DetDataSample with 4 random boxes of 80 COCO classes."""
    from mmdet.structures import DetDataSample
    from mmengine.structures import InstanceData
    height, width = size
    corners = torch.rand(4, 2, generator=generator) * torch.tensor(
        [width * 0.6, height * 0.6])
    extents = 16 + torch.rand(4, 2, generator=generator) * torch.tensor(
        [width * 0.3, height * 0.3])
    sample = DetDataSample()
    sample.gt_instances = InstanceData(
        bboxes=torch.cat([corners, corners + extents], dim=1),
        labels=torch.randint(0, 80, (4, ), generator=generator))
    sample.set_metainfo(dict(img_shape=size, ori_shape=size,
                             scale_factor=(1.0, 1.0)))
    return sample


def make_batch(model, batch: int, size: tuple, task: str) -> dict:
    generator = torch.Generator().manual_seed(0)
    inputs, samples = [], []
    for _ in range(batch):
        inputs.append(torch.randint(0, 256, (3, *size), generator=generator,
                                    dtype=torch.uint8))
        if task == 'mmdet':
            sample = detection_sample(size, generator)
        elif task == 'mmseg':
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


def synchronize() -> None:
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.synchronize()


def timed(function) -> float:
    synchronize()
    start = time.perf_counter()
    function()
    synchronize()
    return time.perf_counter() - start


def interleaved_medians(runs: dict, repeats: int) -> dict:
    """Median seconds of each run: one warm-up call each, then ``repeats``
    rounds in which every run is timed once."""
    for run in runs.values():
        run()
    times: dict = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            times[name].append(timed(run))
    return {name: statistics.median(values) for name, values in times.items()}


def trainer(model, amp=None):
    """A step of ``model`` given its forward: parse its losses, backward,
    SGD on everything that has ``requires_grad`` (student, connectors,
    acclimated parts); under ``AmpOptimWrapper`` of dtype ``amp`` if set."""
    optimizer = torch.optim.SGD(
        [p for p in model.parameters() if p.requires_grad], lr=1e-4)
    optim_wrapper = (OptimWrapper(optimizer) if amp is None else
                     AmpOptimWrapper(optimizer=optimizer, dtype=amp))

    def step(forward):
        with optim_wrapper.optim_context(model):
            losses = forward()
        loss, _ = model.parse_losses(losses)
        optim_wrapper.update_params(loss)

    return step


def benchmark(config: str, batch: int, size: tuple, repeats: int,
              device: str = 'cpu', amp=None) -> dict:
    model = build(config, size).to(device)
    model.train()
    data = make_batch(model, batch, size, config.split('/')[2])
    student = model.architecture
    step, student_step = trainer(model, amp), trainer(student, amp)
    steps = {
        'distill': lambda: step(lambda: model(**data, mode='loss')),
        'student': lambda: student_step(
            lambda: student(**data, mode='loss')),
        'teacher': lambda: _teacher_inference(model, data, amp),
    }
    if getattr(model, 'acclimation', None) is not None:  # DIST+
        frozen = build(config, size, teacher_acclimation=None).to(device)
        frozen.train()
        frozen_step = trainer(frozen, amp)
        steps['without acclimation'] = lambda: frozen_step(
            lambda: frozen(**data, mode='loss'))
    if hasattr(model, 'recorded_student_rois'):  # StudentRoIDistill
        steps['distill']()  # records the student's RoIs
        rois = model.recorded_student_rois(len(data['inputs']))
        with torch.no_grad():
            features = model.teacher.extract_feat(data['inputs'])

        def roi_pass():
            from dist_kd_mm.models.algorithms import box_head_on_rois
            with torch.no_grad():
                box_head_on_rois(model.teacher.roi_head, features, rois,
                                 model.teacher_stage)

        steps['teacher RoI pass'] = roi_pass
    return interleaved_medians(steps, repeats)


def step_peak(config: str, batch: int, size: tuple) -> tuple[int, int]:
    """Peak bytes allocated by one distillation step (forward of both
    networks, the losses, backward), and by the student's own step, on any
    device (``PeakMemoryTracker``)."""
    from dist_kd_mm.utils import PeakMemoryTracker
    model = build(config, size)
    model.train()
    data = make_batch(model, batch, size, config.split('/')[2])
    peaks = []
    for forward in (lambda: model(**data, mode='loss'),
                    lambda: model.architecture(**data, mode='loss')):
        with PeakMemoryTracker() as tracker:
            loss, _ = model.parse_losses(forward())
            loss.backward()
        model.zero_grad(set_to_none=True)
        del loss
        peaks.append(tracker.peak)
    return peaks[0], peaks[1]


def _teacher_inference(model, data, amp=None) -> None:
    """The teacher's inference: ``mode='predict'`` for detectors (a
    ``'tensor'`` forward of a mask head would run on every proposal),
    ``mode='tensor'`` otherwise; under autocast of dtype ``amp`` if set."""
    mode = 'predict' if hasattr(model.teacher, 'bbox_head') or hasattr(
        model.teacher, 'roi_head') else 'tensor'
    device = data['inputs'].device.type
    with torch.no_grad(), torch.autocast(
            device, dtype=getattr(torch, amp or 'float32'),
            enabled=amp is not None):
        model.teacher(data['inputs'], data['data_samples'], mode=mode)


def teacher_autocast_figures(config: str, batch: int, size: tuple,
                             repeats: int, device: str) -> Optional[dict]:
    """The frozen teacher's training forward (under its recorders, as in
    the distillation step) in float32 and under ``teacher_autocast=
    'bfloat16'``, timed interleaved; and the relative change of the summed
    distillation losses on the same batch. None for an acclimated
    teacher."""
    model = build(config, size).to(device)
    if model.acclimation is not None:  # teacher_autocast refuses it
        return None
    model.train()
    data = make_batch(model, batch, size, config.split('/')[2])
    results = {}
    for name, dtype in (('float32', None), ('bfloat16', torch.bfloat16)):
        model.teacher_autocast = dtype
        with torch.no_grad():
            losses = model(**data, mode='loss')
            results[name] = sum(float(v) for k, v in losses.items()
                                if k.startswith('distill.'))

    def teacher_forward(dtype):
        def run():
            model.teacher_autocast = dtype
            model.forward_teacher(data['inputs'], data['data_samples'])
        return run

    times = interleaved_medians(
        {'float32': teacher_forward(None),
         'bfloat16': teacher_forward(torch.bfloat16)}, repeats)
    model.teacher_autocast = None
    change = abs(results['bfloat16'] - results['float32']) / abs(
        results['float32'])
    return dict(times, loss_change=change)


def diagnostics_figures(config: str, batch: int, size: tuple, repeats: int,
                        device: str) -> dict:
    """The distillation step, and the same step measured by
    ``DistillDiagnosticsHook`` (terms, agreement, gradient norms), timed
    interleaved."""
    from dist_kd_mm.engine import DistillDiagnosticsHook
    model = build(config, size).to(device)
    model.train()
    data = make_batch(model, batch, size, config.split('/')[2])
    step = trainer(model)
    hook = DistillDiagnosticsHook()
    hook.attach(model)

    def measured():
        hook.arm()
        step(lambda: model(**data, mode='loss'))
        hook.collect()

    return interleaved_medians(
        {'step': lambda: step(lambda: model(**data, mode='loss')),
         'measured': measured}, repeats)


def selected(cases: dict, families) -> list:
    """The ``(label, case)`` pairs of ``cases`` in ``families`` (the first
    word of a label; all when none are given)."""
    return [(label, case) for label, case in cases.items()
            if not families or label.split()[0] in families]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--cases', nargs='+', choices=sorted(
        {label.split()[0] for label in CASES}), help='task families to run')
    parser.add_argument(
        '--memory', action='store_true',
        help='instead of times, the peak memory of one step at full size')
    parser.add_argument(
        '--chunk-elements', type=int,
        help='with --memory: the Pearson core\'s chunk size (a large value '
        'makes every input one chunk)')
    parser.add_argument('--device', default='cpu', help='cpu or cuda')
    parser.add_argument('--amp', choices=['float16', 'bfloat16'],
                        help='AmpOptimWrapper of this dtype (GPU only)')
    parser.add_argument(
        '--teacher-autocast', action='store_true',
        help='instead: the teacher forward in float32 against '
        "teacher_autocast='bfloat16', and the loss change")
    parser.add_argument(
        '--diagnostics', action='store_true',
        help='instead: the step with and without DistillDiagnosticsHook '
        'measuring it')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.diagnostics:
        print(f'{args.device}, median of {args.repeats} interleaved rounds')
        print(f'{"case":<52}{"step s":>9}{"measured s":>12}{"extra":>9}'
              f'{"per step at interval 10":>25}')
        for label, case in selected(CASES, args.cases):
            result = diagnostics_figures(case['config'], case['batch'],
                                         case['size'], args.repeats,
                                         args.device)
            extra = result['measured'] / result['step'] - 1
            print(f'{label:<52}{result["step"]:>9.3f}'
                  f'{result["measured"]:>12.3f}{extra:>+9.1%}'
                  f'{extra / 10:>+25.2%}', flush=True)
        return
    if args.teacher_autocast:
        print(f'{args.device}, median of {args.repeats} interleaved rounds')
        print(f'{"case":<52}{"fp32 s":>10}{"bf16 s":>10}{"ratio":>8}'
              f'{"loss change":>13}')
        for label, case in selected(CASES, args.cases):
            result = teacher_autocast_figures(
                case['config'], case['batch'], case['size'], args.repeats,
                args.device)
            if result is None:
                print(f'{label:<52}  - (an acclimated teacher trains: '
                      'teacher_autocast refuses it)')
                continue
            print(f'{label:<52}{result["float32"]:>10.4f}'
                  f'{result["bfloat16"]:>10.4f}'
                  f'{result["bfloat16"] / result["float32"]:>8.3f}'
                  f'{result["loss_change"]:>13.2%}', flush=True)
        return
    if args.memory:
        if args.chunk_elements:
            from dist_kd_mm.models.losses import pearson
            pearson.CHUNK_ELEMENTS = args.chunk_elements
        print(f'{"case":<48}{"distill step MB":>16}{"student step MB":>16}')
        for label, case in selected(MEMORY_CASES, args.cases):
            distill, student = step_peak(case['config'], case['batch'],
                                         case['size'])
            print(f'{label:<48}{distill / 1e6:>16.1f}{student / 1e6:>16.1f}',
                  flush=True)
        return
    where = (f'CPU, {torch.get_num_threads()} thread(s)' if args.device ==
             'cpu' else torch.cuda.get_device_name())
    print(f'{where}, {args.amp or "float32"}, median of {args.repeats} '
          'interleaved rounds')
    header = (f'{"case":<52}{"distill s":>10}{"student s":>10}'
              f'{"teacher s":>10}{"ratio":>8}{"RoI pass s":>11}')
    print(header)
    print('-' * len(header))
    for label, case in selected(CASES, args.cases):
        result = benchmark(case['config'], case['batch'], case['size'],
                           args.repeats, args.device, args.amp)
        ratio = result['distill'] / (result['student'] + result['teacher'])
        roi_pass = result.get('teacher RoI pass')
        roi_text = '-' if roi_pass is None else f'{roi_pass:.3f}'
        print(f'{label:<52}{result["distill"]:>10.3f}'
              f'{result["student"]:>10.3f}{result["teacher"]:>10.3f}'
              f'{ratio:>8.3f}{roi_text:>11}', flush=True)
        frozen = result.get('without acclimation')
        if frozen is not None:
            extra = result['distill'] - frozen
            print(f'{"  the same step without acclimation":<52}'
                  f'{frozen:>10.3f}   acclimation adds {extra:.3f} s '
                  f'({extra / frozen:+.1%})', flush=True)
    print('ratio = distill step / (student step + teacher inference); '
          'target <= 1.1. RoI pass: the teacher\'s first box head on the '
          'student\'s RoIs (part of the distill step)')


if __name__ == '__main__':
    main()
