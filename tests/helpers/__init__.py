"""Helpers shared by the tests: paths, the command-line runners and a loader
for the scripts under tools/."""
import importlib.util
import os
import os.path as osp
import subprocess
import sys
from types import ModuleType

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TEST_DATA = osp.join(REPO_ROOT, 'tests', 'data')
TEST_CONFIGS = osp.join(TEST_DATA, 'configs')
VENV_BIN = osp.dirname(sys.executable)


def load_tool(path: str) -> ModuleType:
    """The script ``tools/<path>`` as a module (its ``main`` not run)."""
    full = osp.join(REPO_ROOT, 'tools', path)
    name = osp.splitext(osp.basename(path))[0]
    spec = importlib.util.spec_from_file_location(f'tools_{name}', full)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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


# ``--cfg-options`` for one small epoch of an ImageNet-layout fixture
ONE_SMALL_EPOCH = [
    f'{loader}.{key}' for loader in TRAIN_LOADERS
    for key in ('batch_size=4', 'num_workers=0')
] + ['train_cfg.max_epochs=1', 'default_hooks.logger.interval=1']


def data_root_options(data_root: str, loaders=TRAIN_LOADERS) -> list[str]:
    """``--cfg-options`` entries pointing the loaders at ``data_root``."""
    return [f'{loader}.dataset.data_root={data_root}' for loader in loaders]


def set_data_root(cfg, data_root: str) -> None:
    """Point the loaders of a loaded config at ``data_root`` (what
    :func:`data_root_options` does on a command line)."""
    cfg.merge_from_dict(dict(option.split('=', 1)
                             for option in data_root_options(data_root)))


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


def run_stopped_and_resumed(config: str, stopped_config: str, tmp_path,
                            data_root: str, *options: str):
    """An uninterrupted run of ``config`` in ``tmp_path/uninterrupted``, and
    in ``tmp_path/resumed`` a run of ``stopped_config`` (ended after an
    iteration by a StopTrainingHook) resumed with ``config`` and
    ``--resume``. Returns both work dirs and the resumed run's result."""
    runs = [tmp_path / 'uninterrupted', tmp_path / 'resumed']
    for work_dir in runs:
        work_dir.mkdir()
    run_train(config, runs[0], data_root, *options)
    run_train(stopped_config, runs[1], data_root, *options,
              expected_returncode=3)
    result = run_train(config, runs[1], data_root, *options, resume=True)
    return runs[0], runs[1], result


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


def save_tiny_teacher(path, seed: int = 1,
                      config: str = 'dist_tiny-resnet_imagefolder.py') -> str:
    """A checkpoint of the tiny ResNet-34 teacher of ``config`` (one of
    TEST_CONFIGS; random weights) at ``path``."""
    import torch
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS
    cfg = Config.fromfile(osp.join(TEST_CONFIGS, config))
    torch.manual_seed(seed)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        teacher = MODELS.build(cfg.model.teacher)
    teacher.init_weights()
    torch.save({'state_dict': teacher.state_dict()}, path)
    return str(path)
