"""Detection distillers of the configs at a test's size, and batches read
from the tiny COCO fixture through the configs' own pipelines."""
import copy
import glob
import os.path as osp

from mmdet.registry import DATASETS
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import DefaultScope
from mmrazor.registry import MODELS as MMRAZOR_MODELS

from . import REPO_ROOT

DET_CONFIG_DIR = osp.join(REPO_ROOT, 'configs', 'distill', 'mmdet')
DET_CONFIGS = sorted(glob.glob(osp.join(DET_CONFIG_DIR, 'dist*', '*.py')))
TEST_SCALE = (320, 256)  # instead of 1333x800: 160x128 images become 320x256


def det_config(name: str) -> str:
    """Path of the detection config whose file name starts with ``name``."""
    matches = [p for p in DET_CONFIGS if osp.basename(p).startswith(name)]
    assert len(matches) == 1, (name, matches)
    return matches[0]


def build_distiller(path: str, algorithm: dict = None, **student_train_cfg):
    """The config's algorithm without checkpoints or pretrained weights;
    ``algorithm`` updates its options, ``student_train_cfg`` the student's
    ``train_cfg``."""
    cfg = Config.fromfile(path)
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.update(algorithm or {})
    model_cfg.teacher_ckpt = None
    model_cfg.architecture.backbone.init_cfg = None
    for key, value in student_train_cfg.items():
        model_cfg.architecture.train_cfg[key].update(value)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        return cfg, MMRAZOR_MODELS.build(model_cfg)


def coco_dataset(cfg: Config, data_root: str, keep_empty: bool = False,
                 scale: tuple = TEST_SCALE):
    """The config's COCO training set on ``data_root`` resized to
    ``scale``."""
    dataset_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    dataset_cfg.data_root = data_root
    if keep_empty:
        dataset_cfg.filter_cfg = None
    for step in dataset_cfg.pipeline:
        if step.type == 'Resize':
            step.scale = scale
        if step.type == 'RandomFlip':
            step.prob = 0.0
    with DefaultScope.overwrite_default_scope('mmdet'):
        return DATASETS.build(dataset_cfg)


def coco_batch(cfg: Config, data_root: str, indices=(0, 1),
               keep_empty: bool = False, scale: tuple = TEST_SCALE) -> dict:
    """A collated training batch of the given dataset indices."""
    dataset = coco_dataset(cfg, data_root, keep_empty, scale)
    return pseudo_collate([dataset[i] for i in indices])
