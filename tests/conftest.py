"""Fixtures: small real datasets on disk, written once per session.

Shared helpers (paths, command runners, the dataset writers) live in
``tests/helpers/``.
"""
import pytest
import torch
from mmengine.registry import DefaultScope

# Applies the torch fixes before any test module imports mmrazor.
import dist_kd_mm  # noqa: F401
from helpers.datasets import (
    write_tiny_cityscapes,
    write_tiny_coco,
    write_tiny_imagefolder,
    write_tiny_imagenet,
)


def pytest_collection_modifyitems(config, items):
    """Tests marked ``gpu`` are not collected without CUDA (deselected,
    not skipped), so a CPU run stays green and says what it ran."""
    if torch.cuda.is_available():
        return
    gpu = [item for item in items if item.get_closest_marker('gpu')]
    if gpu:
        config.hook.pytest_deselected(items=gpu)
        items[:] = [item for item in items
                    if not item.get_closest_marker('gpu')]


@pytest.fixture(autouse=True)
def _restore_default_scope():
    """A Runner built in a test makes its scope the current default scope
    (mmengine keeps it process-wide); the next test starts without it."""
    saved = DefaultScope._instance_dict.copy()
    yield
    DefaultScope._instance_dict = saved


@pytest.fixture(scope='session')
def tiny_imagefolder(tmp_path_factory) -> str:
    """ImageNet-style folder: {train,val}/class_<k>/<i>.png, 3 classes."""
    root = str(tmp_path_factory.mktemp('tiny_imagefolder'))
    write_tiny_imagefolder(root)
    return root


@pytest.fixture(scope='session')
def tiny_imagenet(tmp_path_factory) -> str:
    """ImageNet layout (train/<wnid>/, flat val/, meta/*.txt): 3 of the 1000
    classes, 4 train and 4 val images each, 64x64."""
    root = str(tmp_path_factory.mktemp('tiny_imagenet'))
    write_tiny_imagenet(root)
    return root


@pytest.fixture(scope='session')
def tiny_cityscapes(tmp_path_factory) -> str:
    """Cityscapes layout: 4 train and 2 val images of 128x256 pixels."""
    root = str(tmp_path_factory.mktemp('tiny_cityscapes'))
    write_tiny_cityscapes(root)
    return root


@pytest.fixture(scope='session')
def tiny_coco(tmp_path_factory) -> str:
    """COCO layout with mmdet's 80 classes, 6 train and 3 val images."""
    root = str(tmp_path_factory.mktemp('tiny_coco'))
    write_tiny_coco(root)
    return root
