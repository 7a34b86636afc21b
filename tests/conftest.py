"""Shared fixtures: small real datasets on disk and a CLI runner."""
import os
import os.path as osp
import subprocess
import sys
from typing import List

import numpy as np
import pytest
from PIL import Image

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
TEST_CONFIGS = osp.join(REPO_ROOT, 'tests', 'data', 'configs')
VENV_BIN = osp.dirname(sys.executable)


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


def run_command(args: List[str], cwd: str, timeout: int = 600
                ) -> subprocess.CompletedProcess:
    """Run a command with the venv first on PATH; fail with its output."""
    env = dict(os.environ)
    env['PATH'] = VENV_BIN + os.pathsep + env.get('PATH', '')
    env.pop('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', None)
    result = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True,
        timeout=timeout)
    if result.returncode != 0:
        raise AssertionError(
            f'command failed ({result.returncode}): {" ".join(args)}\n'
            f'--- stdout ---\n{result.stdout[-6000:]}\n'
            f'--- stderr ---\n{result.stderr[-6000:]}')
    return result
