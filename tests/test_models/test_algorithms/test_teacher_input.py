"""A teacher whose normalization or input size differs from the student's:
a clear error, or (teacher_input) its own preprocessing, checked against
mmpretrain's data preprocessor and the teachers' real configs."""
import copy
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.hub import get_config
from mmengine.registry import DefaultScope
from mmpretrain.models import ClsDataPreprocessor
from mmrazor.registry import MODELS

from dist_kd_mm.models.algorithms.teacher_input import (
    TeacherInput,
    eval_size_of,
    normalization_of,
)
from helpers import REPO_ROOT
from helpers.classification_batches import random_classification_batch

R34_R18 = osp.join(REPO_ROOT, 'configs', 'distill', 'mmpretrain', 'dist',
                   'dist_logits_resnet34_resnet18_8xb32_in1k.py')
VIT_384 = 'mmpretrain::vision_transformer/vit-base-p16_64xb64_in1k-384px.py'
IMAGENET = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
                to_rgb=True)
INCEPTION_BGR = dict(mean=[127.5, 127.5, 127.5], std=[127.5, 64.0, 32.0],
                     to_rgb=False)


def preprocess(settings, images):
    return ClsDataPreprocessor(**settings)(dict(inputs=images))['inputs']


def test_conversion_equals_the_teachers_own_preprocessing():
    images = random_classification_batch(batch_size=2, size=16)['inputs']
    student = preprocess(IMAGENET, images)
    teacher = preprocess(INCEPTION_BGR, images)
    convert = TeacherInput(IMAGENET, INCEPTION_BGR, None)
    torch.testing.assert_close(convert(student), teacher, rtol=1e-5,
                               atol=1e-5)
    resized = TeacherInput(IMAGENET, INCEPTION_BGR, (24, 20))(student)
    torch.testing.assert_close(
        resized, F.interpolate(teacher, size=(24, 20), mode='bicubic',
                               align_corners=False), rtol=1e-5, atol=1e-5)


def test_what_the_teachers_configs_expect():
    size = eval_size_of
    assert size(get_config(
        'mmpretrain::swin_transformer/swin-large_16xb64_in1k-384px.py')) == (
            384, 384)
    assert size(get_config('mmpretrain::resnet/resnet34_8xb32_in1k.py')) == (
        224, 224)
    assert size(get_config(VIT_384)) == (384, 384)
    assert size(get_config(
        'mmdet::faster_rcnn/faster-rcnn_r50_fpn_2x_coco.py')) is None
    assert normalization_of(get_config(VIT_384).data_preprocessor) == dict(
        mean=[127.5] * 3, std=[127.5] * 3, to_rgb=True)


def build(**changes):
    cfg = Config.fromfile(R34_R18)
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.teacher_ckpt = None
    model_cfg.update(changes)
    with DefaultScope.overwrite_default_scope('mmrazor'):
        return MODELS.build(model_cfg)


def test_another_normalization_stops_the_build():
    cfg = Config.fromfile(R34_R18)
    teacher = dict(cfg.model.teacher, cfg_path=VIT_384)
    with pytest.raises(ValueError, match=r'(?s)vit-base-p16_64xb64_in1k-'
                       r'384px.py.*mean \[127.5.*teacher_input=dict\(\)'):
        build(teacher=teacher)
    with pytest.raises(ValueError, match=r"unknown keys \['scale'\]"):
        build(teacher=teacher, teacher_input=dict(scale=2))


@pytest.mark.parametrize('option,error,message', [
    (True, TypeError, r'teacher_input must be a dict .* got True'),
    ([], TypeError, r'teacher_input must be a dict .* got \[\]'),
    ('yes', TypeError, r"teacher_input must be a dict .* got 'yes'"),
    (dict(mean=[127.5, 127.5]), ValueError,
     r'teacher_input\.mean must be 3 numbers, one per channel'),
    (dict(std='127.5'), ValueError, r'teacher_input\.std must be 3 numbers'),
    (dict(size=(224, )), ValueError,
     r'teacher_input\.size must be an int or \(width, height\).*\(224,\)'),
    (dict(size='64'), ValueError, r"teacher_input\.size .* got '64'"),
    (dict(size=(0, 4)), ValueError, r'teacher_input\.size'),
    (dict(to_rgb='no'), TypeError,
     r"teacher_input\.to_rgb must be True or False, got 'no'"),
])
def test_teacher_input_options_of_the_wrong_kind_stop_the_build(
        option, error, message):
    with pytest.raises(error, match=message):
        build(teacher_input=option)


def test_teacher_input_options_of_the_right_kind_build():
    for option in (dict(), dict(size=64), dict(size=[96, 64], to_rgb=False),
                   dict(mean=[0, 0, 0], std=(1.0, 1.0, 1.0), size=None)):
        assert build(teacher_input=option).teacher_input is not None


def train_step(model, size):
    optimizer = torch.optim.SGD(
        [p for p in model.parameters() if p.requires_grad], lr=0.01)
    from mmengine.optim import OptimWrapper
    return model.train_step(
        random_classification_batch(batch_size=2, size=size),
        OptimWrapper(optimizer))


def test_another_input_size_stops_the_first_forward_or_is_resized():
    model = build()
    assert model.teacher_size == (224, 224)
    with pytest.raises(ValueError, match=r'(?s)resnet34_8xb32_in1k.py.*'
                       r'224x224.*gets 32x32.*teacher_input=dict\(\)'):
        train_step(model, 32)

    model = build(teacher_input=dict())
    seen = []
    model.teacher.register_forward_pre_hook(
        lambda module, args, kwargs: seen.append(
            (args[0] if args else kwargs['inputs']).shape),
        with_kwargs=True)
    log_vars = train_step(model, 32)
    assert seen == [torch.Size([2, 3, 224, 224])]
    assert torch.isfinite(log_vars['distill.loss_dist'])


def test_roi_distillation_converts_the_teacher_input(tiny_coco):
    """A caffe-style RoI teacher (BGR, its own mean, std 1) gets the batch
    in its own normalization with ``teacher_input=dict()``."""
    from helpers.detection_batches import (
        build_distiller,
        coco_batch,
        det_config,
    )
    caffe = dict(
        cfg_path='mmdet::faster_rcnn/faster-rcnn_r50-caffe_fpn_1x_coco.py',
        pretrained=False)
    cfg, model = build_distiller(
        det_config('dist_roi-logits_faster-rcnn_r101'),
        algorithm=dict(teacher=caffe, teacher_input=dict()))
    seen = []
    model.teacher.backbone.register_forward_pre_hook(
        lambda module, args: seen.append(args[0].detach()))
    data = model.data_preprocessor(coco_batch(cfg, tiny_coco), True)
    model.train()
    model.loss(data['inputs'], data['data_samples'])
    student = data['inputs']
    mean = torch.tensor([123.675, 116.28, 103.53]).view(1, 3, 1, 1)
    std = torch.tensor([58.395, 57.12, 57.375]).view(1, 3, 1, 1)
    bgr = (student * std + mean).flip(1)
    caffe_mean = torch.tensor([103.53, 116.28, 123.675]).view(1, 3, 1, 1)
    assert len(seen) == 1
    torch.testing.assert_close(seen[0], bgr - caffe_mean, rtol=0,
                               atol=1e-3)


SWIN_T = osp.join(REPO_ROOT, 'configs', 'distill', 'mmpretrain', 'dist',
                  'dist_logits_swin-large_swin-tiny_16xb64_in1k.py')


def test_the_students_mixup_is_not_dropped_silently():
    """Swin-T trains with Mixup and CutMix in its own train_cfg, which the
    distillation preprocessor must carry."""
    from dist_kd_mm.models.algorithms.build_checks import (
        check_batch_augments,
    )
    cfg = Config.fromfile(SWIN_T)
    augments = cfg.model.data_preprocessor.batch_augments
    assert [a['type'] for a in augments.augments] == ['Mixup', 'CutMix']
    check_batch_augments(cfg.model.architecture, cfg.model.data_preprocessor)
    without = dict(cfg.model.data_preprocessor)
    without.pop('batch_augments')
    with pytest.raises(ValueError, match=r"(?s)\['Mixup', 'CutMix'\].*"
                       'would be ignored.*batch_augments'):
        check_batch_augments(cfg.model.architecture, without)
