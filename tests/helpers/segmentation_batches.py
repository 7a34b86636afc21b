"""Segmentation distillers of the configs at a test's size, and batches:
random, or read from the tiny Cityscapes fixture through the test config's
pipeline."""
import copy
import glob
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.structures import PixelData
from mmrazor.registry import MODELS as MMRAZOR_MODELS
from mmseg.registry import DATASETS
from mmseg.structures import SegDataSample

from . import REPO_ROOT

CONFIGS = osp.join(REPO_ROOT, 'configs')
SEG_CONFIGS = sorted(
    glob.glob(osp.join(CONFIGS, 'distill', 'mmseg', 'dist*', '*.py')))
TINY_CONFIG = osp.join(REPO_ROOT, 'tests', 'data', 'configs',
                       'dist_tiny-deeplabv3-r18_cityscapes.py')


def random_segmentation_batch(size=(64, 128), batch_size=2, seed=0):
    generator = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for _ in range(batch_size):
        inputs.append(torch.randint(0, 256, (3, *size), generator=generator,
                                    dtype=torch.uint8))
        labels = torch.randint(0, 19, (1, *size), generator=generator)
        labels[:, :, :8] = 255
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(data=labels)
        sample.set_metainfo(dict(img_shape=size, ori_shape=size,
                                 pad_shape=size))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def build_small(path, size=(64, 128)):
    cfg = Config.fromfile(path)
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.teacher_ckpt = None
    model_cfg.architecture.pretrained = None
    model_cfg.data_preprocessor.size = size
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        return cfg, MMRAZOR_MODELS.build(model_cfg)


def cityscapes_batch(data_root, batch_size=2):
    """A training batch read by CityscapesDataset through the (test-size)
    pipeline of the configs."""
    from mmengine.dataset import pseudo_collate
    cfg = Config.fromfile(TINY_CONFIG)
    dataset_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    dataset_cfg.data_root = data_root
    with DefaultScope.overwrite_default_scope('mmseg'):
        dataset = DATASETS.build(dataset_cfg)
    return pseudo_collate([dataset[i] for i in range(batch_size)])
