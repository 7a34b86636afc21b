"""Every published teacher checkpoint a config names is the checkpoint of
exactly the teacher config it builds, as the OpenMMLab packages' own
metafiles pair them (weights URL and config): the checkpoint's keys are
those of that model, which load_teacher_checkpoint then requires. No
download is needed."""
import glob
import importlib
import os.path as osp

import pytest
import yaml
from mmengine.config import Config

from helpers import REPO_ROOT

DISTILL_CONFIGS = sorted(
    path for path in glob.glob(
        osp.join(REPO_ROOT, 'configs', 'distill', '*', '*', '*.py'))
    if '_base_' not in path)


def published_weights() -> dict[str, str]:
    """``{weights URL: 'package::config path'}`` of the installed packages'
    metafiles."""
    weights = {}
    for package in ('mmpretrain', 'mmdet', 'mmseg'):
        root = osp.join(osp.dirname(importlib.import_module(package).__file__),
                        '.mim')
        for metafile in glob.glob(osp.join(root, 'configs', '*',
                                           'metafile.y*ml')):
            with open(metafile) as f:
                content = yaml.safe_load(f) or {}
            models = (content.get('Models') or []
                      if isinstance(content, dict) else [])
            for model in models:
                urls = model.get('Weights') or []
                if model.get('Config'):
                    config = model['Config'].removeprefix('configs/')
                    for url in [urls] if isinstance(urls, str) else urls:
                        weights[url] = f'{package}::{config}'
    return weights


WEIGHTS = published_weights()
URL_CONFIGS = [
    path for path in DISTILL_CONFIGS
    if str(Config.fromfile(path).model.get('teacher_ckpt', '')).startswith(
        'https://')
]


def test_the_metafiles_were_read():
    assert len(WEIGHTS) > 500
    assert len(URL_CONFIGS) >= 20  # ImageNet, COCO and Cityscapes leaves


@pytest.mark.parametrize('path', URL_CONFIGS,
                         ids=[osp.basename(p) for p in URL_CONFIGS])
def test_teacher_checkpoint_is_the_published_one_of_the_teacher_config(
        path):
    model = Config.fromfile(path).model
    url = model.teacher_ckpt
    assert url in WEIGHTS, f'{url} is in no metafile of the installed packages'
    assert WEIGHTS[url] == model.teacher.cfg_path, (
        f'{url} is the checkpoint of {WEIGHTS[url]}, the teacher is built '
        f'from {model.teacher.cfg_path}')
