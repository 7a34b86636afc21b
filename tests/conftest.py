"""Shared fixtures: small real datasets on disk and a CLI runner."""
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

# Applies the torch fixes before any test module imports mmrazor.
import dist_kd_mm  # noqa: F401

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
TEST_DATA = osp.join(REPO_ROOT, 'tests', 'data')
TEST_CONFIGS = osp.join(TEST_DATA, 'configs')
VENV_BIN = osp.dirname(sys.executable)
# Implementations of the DIST relations the loss tests run on.
RELATION_KERNELS = ('compiled', 'torch-ops')


@pytest.fixture(params=RELATION_KERNELS)
def relations_kernel(request) -> str:
    """Runs the test with the compiled CPU kernel of the DIST relations and
    again with the torch-ops implementation (loss test modules use it with
    ``pytestmark = pytest.mark.usefixtures('relations_kernel')``)."""
    from dist_kd_mm.ops import compiled_kernel, compiled_kernel_available
    if request.param == 'compiled':
        assert compiled_kernel_available(), (
            'dist_kd_mm._ext is not built: run `make install` (or unset '
            'DIST_KD_MM_WITH_OPS=0)')
    with compiled_kernel(request.param == 'compiled'):
        yield request.param


def write_class_images(folder: str, label: int, count: int,
                       rng: np.random.Generator, size: int = 32) -> None:
    """PNG images whose colour and stripe direction depend on the label."""
    os.makedirs(folder, exist_ok=True)
    for index in range(count):
        image = rng.integers(0, 60, (size, size, 3), dtype=np.uint8)
        image[..., label % 3] += 120
        stripes = (np.arange(size) // 4) % 2 == 0
        if label % 2:
            image[stripes, :, :] += 60
        else:
            image[:, stripes, :] += 60
        Image.fromarray(image).save(osp.join(folder, f'{index:03d}.png'))


@pytest.fixture(scope='session')
def tiny_imagefolder(tmp_path_factory) -> str:
    """ImageNet-style folder: {train,val}/class_<k>/<i>.png, 3 classes."""
    root = str(tmp_path_factory.mktemp('tiny_imagefolder'))
    rng = np.random.default_rng(0)
    for split, count in (('train', 8), ('val', 4)):
        for label in range(3):
            write_class_images(
                osp.join(root, split, f'class_{label}'), label, count, rng)
    return root


CITYSCAPES_CITIES = {'train': ('aachen', 'bremen'), 'val': ('frankfurt', )}


def write_cityscapes_pair(root: str, split: str, city: str, index: int,
                          rng: np.random.Generator, size=(128, 256)) -> None:
    """One image and its train-id label map in Cityscapes' layout.

    The label map is made of blocks of the 19 train ids with a band of 255
    (ignored) pixels; the image's colour follows the label.
    """
    height, width = size
    stem = f'{city}_{index:06d}_000019'
    labels = np.zeros(size, dtype=np.uint8)
    block_h, block_w = height // 4, width // 8
    for row in range(4):
        for col in range(8):
            labels[row * block_h:(row + 1) * block_h,
                   col * block_w:(col + 1) * block_w] = int(
                       rng.integers(0, 19))
    labels[:, width // 2 - 6:width // 2 + 6] = 255
    palette = rng.integers(0, 256, (256, 3), dtype=np.uint8)
    image = palette[labels] // 2 + rng.integers(0, 128, (*size, 3),
                                                dtype=np.uint8)
    image_dir = osp.join(root, 'leftImg8bit', split, city)
    label_dir = osp.join(root, 'gtFine', split, city)
    os.makedirs(image_dir, exist_ok=True)
    os.makedirs(label_dir, exist_ok=True)
    Image.fromarray(image).save(
        osp.join(image_dir, f'{stem}_leftImg8bit.png'))
    Image.fromarray(labels).save(
        osp.join(label_dir, f'{stem}_gtFine_labelTrainIds.png'))


@pytest.fixture(scope='session')
def tiny_cityscapes(tmp_path_factory) -> str:
    """Cityscapes layout: 4 train and 2 val images of 128x256 pixels."""
    root = str(tmp_path_factory.mktemp('tiny_cityscapes'))
    rng = np.random.default_rng(0)
    for split, cities in CITYSCAPES_CITIES.items():
        for city in cities:
            for index in range(2):
                write_cityscapes_pair(root, split, city, index, rng)
    return root


COCO_SPLITS = {'train2017': 6, 'val2017': 3}
# (class index in mmdet's COCO classes, colour): person, car, dog
COCO_OBJECTS = ((0, (220, 40, 40)), (2, (40, 200, 60)), (16, (50, 60, 230)))


def coco_image_and_objects(index: int, rng: np.random.Generator,
                           size=(128, 160)):
    """An image with 1-3 coloured boxes on noise, and the boxes as
    ``(class index, [x, y, w, h])``; every third image has no object."""
    height, width = size
    image = rng.integers(0, 90, (height, width, 3), dtype=np.uint8)
    objects = []
    if index % 3 != 2:
        for _ in range(int(rng.integers(1, 4))):
            label, colour = COCO_OBJECTS[int(rng.integers(0, 3))]
            w, h = (int(v) for v in rng.integers(24, 64, 2))
            x = int(rng.integers(0, width - w))
            y = int(rng.integers(0, height - h))
            image[y:y + h, x:x + w] = colour
            objects.append((label, [x, y, w, h]))
    return image, objects


@pytest.fixture(scope='session')
def tiny_coco(tmp_path_factory) -> str:
    """COCO layout: {train2017,val2017}/*.jpg and
    annotations/instances_{split}.json with mmdet's 80 classes (ids 1..80);
    6 train and 3 val images of 160x128, one in three without objects."""
    import json

    from mmdet.datasets import CocoDataset
    root = str(tmp_path_factory.mktemp('tiny_coco'))
    classes = CocoDataset.METAINFO['classes']
    categories = [dict(id=i + 1, name=name, supercategory='none')
                  for i, name in enumerate(classes)]
    rng = np.random.default_rng(0)
    os.makedirs(osp.join(root, 'annotations'))
    for split, count in COCO_SPLITS.items():
        os.makedirs(osp.join(root, split))
        images, annotations = [], []
        for index in range(count):
            image, objects = coco_image_and_objects(index, rng)
            name = f'{index:012d}.jpg'
            Image.fromarray(image).save(osp.join(root, split, name),
                                        quality=95)
            image_id = index + 1
            images.append(dict(id=image_id, file_name=name,
                               height=image.shape[0], width=image.shape[1]))
            for label, (x, y, w, h) in objects:
                annotations.append(dict(
                    id=len(annotations) + 1, image_id=image_id,
                    category_id=label + 1, bbox=[x, y, w, h], area=w * h,
                    iscrowd=0,
                    segmentation=[[x, y, x + w, y, x + w, y + h, x, y + h]]))
        with open(osp.join(root, 'annotations', f'instances_{split}.json'),
                  'w') as file:
            json.dump(dict(images=images, annotations=annotations,
                           categories=categories), file)
    return root


def run_command(args: list[str], cwd: str, timeout: int = 600,
                expected_returncode: int = 0) -> subprocess.CompletedProcess:
    """Run a command with the venv first on PATH; fail with its output.

    ``tests/data`` is on PYTHONPATH for test-only modules such as
    ``stop_training_hook``.
    """
    env = dict(os.environ)
    env['PATH'] = VENV_BIN + os.pathsep + env.get('PATH', '')
    env['PYTHONPATH'] = os.pathsep.join(
        filter(None, [TEST_DATA, env.get('PYTHONPATH')]))
    env.pop('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', None)
    result = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True,
        timeout=timeout)
    if result.returncode != expected_returncode:
        raise AssertionError(
            f'command failed ({result.returncode}): {" ".join(args)}\n'
            f'--- stdout ---\n{result.stdout[-6000:]}\n'
            f'--- stderr ---\n{result.stderr[-6000:]}')
    return result


TRAIN_LOADERS = ('train_dataloader', 'val_dataloader')


def data_root_options(data_root: str, loaders=TRAIN_LOADERS) -> list[str]:
    """``--cfg-options`` entries pointing the loaders at ``data_root``."""
    return [f'{loader}.dataset.data_root={data_root}' for loader in loaders]


def run_train(config: str, work_dir, data_root: str, *options: str,
              resume: bool = False,
              expected_returncode: int = 0) -> subprocess.CompletedProcess:
    """Run tools/train.py on ``config`` with its data under ``data_root``."""
    args = [
        sys.executable, osp.join(REPO_ROOT, 'tools', 'train.py'), config,
        '--work-dir', str(work_dir), '--cfg-options',
        *data_root_options(data_root), *options
    ]
    if resume:
        args.append('--resume')
    return run_command(args, cwd=str(osp.dirname(str(work_dir))),
                       expected_returncode=expected_returncode)


def save_untrained_teacher(cfg_path: str, path, edit=None) -> str:
    """An untrained model of ``cfg_path`` saved as a checkpoint at ``path``
    (it stands in for a published teacher URL); ``edit(model)`` may change
    it first."""
    import torch
    from mmengine.hub import get_model
    model = get_model(cfg_path, pretrained=False)
    if edit is not None:
        with torch.no_grad():
            edit(model)
    torch.save({'state_dict': model.state_dict()}, path)
    return str(path)


def mim_train(config: str, work_dir, teacher_ckpt: str, data_root: str,
              *options: str) -> tuple[str, list[dict]]:
    """``mim train dist_kd_mm`` with a local teacher checkpoint and data;
    returns its output and the records of its ``scalars.json``. Checks
    that the teacher checkpoint was loaded."""
    import json
    result = run_command([
        osp.join(VENV_BIN, 'mim'), 'train', 'dist_kd_mm', config,
        '--work-dir', str(work_dir), '--cfg-options',
        f'model.teacher_ckpt={teacher_ckpt}', *options,
        *data_root_options(data_root)
    ], cwd=str(osp.dirname(str(work_dir))), timeout=900)
    output = result.stdout + result.stderr
    assert teacher_ckpt in output, 'the teacher checkpoint was not loaded'
    records = [
        json.loads(line)
        for log in sorted(work_dir.glob('*/vis_data/scalars.json'))
        for line in log.read_text().splitlines()
    ]
    return output, records
