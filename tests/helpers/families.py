"""The four config families of the end-to-end tests (classification,
segmentation, two-stage and RetinaNet detection) as small Runners."""
import os.path as osp

from mmengine.config import Config
from mmengine.runner import Runner

from helpers import (
    REPO_ROOT,
    TEST_CONFIGS,
    save_tiny_teacher,
    save_untrained_teacher,
    set_data_root,
)

# test config, dataset fixture
FAMILIES = {
    'classification': ('dist_tiny-resnet_imagefolder.py', 'tiny_imagefolder'),
    'segmentation': ('dist_tiny-deeplabv3-r18_cityscapes.py',
                     'tiny_cityscapes'),
    'two-stage': ('dist_tiny-faster-rcnn_coco.py', 'tiny_coco'),
    'retinanet': ('dist_tiny-faster-rcnn_coco.py', 'tiny_coco'),
}
RETINANET = osp.join(REPO_ROOT, 'configs', 'distill', 'mmdet', 'dist',
                     'dist_cls-logits_retinanet_x101-64x4d_retinanet_r50_2x_'
                     'coco.py')
# what the test configs change for a test's size, beside the model
SMALL = ('train_dataloader', 'param_scheduler', 'optim_wrapper',
         'default_hooks')


def config_of(family: str) -> Config:
    """The family's test config; for RetinaNet, the shipped config with the
    two-stage test config's small data and schedule."""
    cfg = Config.fromfile(osp.join(TEST_CONFIGS, FAMILIES[family][0]))
    if family != 'retinanet':
        return cfg
    retinanet = Config.fromfile(RETINANET)
    for key in SMALL:
        retinanet[key] = cfg[key]
    retinanet.model.architecture.backbone.init_cfg = None
    return retinanet


def family_runner(family, request, tmp_path, precision='float32',
                  max_iters=1, **model):
    """A Runner of ``family``'s test config for ``max_iters`` training
    iterations (no validation), with an untrained teacher checkpoint of its
    config."""
    cfg = config_of(family)
    fixture = FAMILIES[family][1]
    data_root = request.getfixturevalue(fixture)
    set_data_root(cfg, data_root)
    teacher = cfg.model.teacher
    if isinstance(teacher, dict) and teacher.get('cfg_path'):
        cfg.model.teacher_ckpt = save_untrained_teacher(
            teacher.cfg_path, tmp_path / 'teacher.pth')
    else:
        cfg.model.teacher_ckpt = save_tiny_teacher(tmp_path / 'teacher.pth')
    cfg.model.update(model)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.param_scheduler = None
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1,
                                        by_epoch=False)
    cfg.log_processor = dict(by_epoch=False)
    if precision != 'float32':
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.dtype = precision
        # a first scale of 2**16 may overflow and skip the only step
        cfg.optim_wrapper.loss_scale = dict(init_scale=256.0)
    return Runner.from_cfg(cfg)
