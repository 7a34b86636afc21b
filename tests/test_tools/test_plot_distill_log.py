"""tools/analysis_tools/plot_distill_log.py on a real run's scalars.json."""
import os.path as osp
import sys

import pytest
from PIL import Image

from helpers import REPO_ROOT, TEST_CONFIGS, load_tool, run_command, run_train

CONFIG = osp.join(TEST_CONFIGS, 'dist_tiny-resnet_imagefolder_diagnostics.py')
SCRIPT = osp.join(REPO_ROOT, 'tools', 'analysis_tools', 'plot_distill_log.py')


def test_plots_each_group_of_a_training_log(tmp_path, tiny_imagefolder):
    work_dir = tmp_path / 'run'
    work_dir.mkdir()
    run_train(CONFIG, work_dir, tiny_imagefolder)
    tool = load_tool('analysis_tools/plot_distill_log.py')
    series = tool.read_series(tool.scalars_path(str(work_dir)))
    # every training iteration of the log, no validation record
    assert [i for i, _ in series['diag/dist.agreement']] == [1, 2, 3, 4]
    assert [i for i, _ in series['distill.loss_dist']] == [1, 2, 3, 4]
    assert 'accuracy/top1' not in series

    out = tmp_path / 'plots'
    result = run_command([sys.executable, SCRIPT, str(work_dir), str(work_dir),
                          '--labels', 'a', 'b', '--out-dir', str(out)],
                         cwd=str(tmp_path))
    names = ['losses', 'agreement', 'kl_entropy', 'grads']
    assert result.stdout.split() == [str(out / f'distill_{n}.png')
                                     for n in names]
    for name in names:
        with Image.open(out / f'distill_{name}.png') as image:
            assert image.size[0] > 500 and image.size[1] > 300


def test_a_dir_without_a_log_is_named(tmp_path):
    tool = load_tool('analysis_tools/plot_distill_log.py')
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        tool.scalars_path(str(tmp_path))
