"""model-index.yml lists every distillation config through the metafiles."""
import glob
import os.path as osp
import re

import yaml

from helpers import REPO_ROOT, VENV_BIN, run_command


def test_every_distillation_config_is_in_a_listed_metafile():
    with open(osp.join(REPO_ROOT, 'model-index.yml')) as file:
        index = yaml.safe_load(file)
    listed = set()
    for metafile in index['Import']:
        path = osp.join(REPO_ROOT, metafile)
        assert osp.isfile(path), metafile
        with open(path) as file:
            meta = yaml.safe_load(file)
        readme = meta['Collections'][0]['README']
        assert osp.isfile(osp.join(REPO_ROOT, readme)), readme
        for model in meta['Models']:
            config = model['Config']
            assert osp.isfile(osp.join(REPO_ROOT, config)), config
            assert osp.basename(config) == model['Name'] + '.py', model
            listed.add(config)
    # the make demo configs (digits) are no model-zoo entries
    configs = {
        osp.relpath(p, REPO_ROOT) for p in glob.glob(
            osp.join(REPO_ROOT, 'configs', 'distill', '*', '*', '*.py'))
        if '_base_' not in p and not p.endswith('_digits.py')
    }
    assert len(configs) >= 27
    assert configs - listed == set()


SOURCES = {'dist': 'DIST paper', 'dist-plus': 'DIST+ paper',
           'kd': 'DIST paper', 'dkd': 'DKD paper'}
TASKS = {'mmpretrain': 'Image Classification', 'mmdet': 'Object Detection',
         'mmseg': 'Semantic Segmentation'}


def test_every_published_number_is_an_openmmlab_result():
    """A model the papers report has OpenMMLab's Results (Task, Dataset,
    Metrics) with those numbers, named as the paper's; the others say that
    they are not in a paper."""
    with open(osp.join(REPO_ROOT, 'model-index.yml')) as file:
        index = yaml.safe_load(file)
    with_results = 0
    for metafile in index['Import']:
        folder = metafile.split('/')
        task, method = TASKS[folder[2]], folder[3]
        with open(osp.join(REPO_ROOT, metafile)) as file:
            models = yaml.safe_load(file)['Models']
        for model in models:
            description = model['Metadata']['Description']
            assert not any(key.startswith('Paper')
                           for key in model['Metadata']), model['Name']
            if 'Results' not in model:
                assert 'not in the' in description, model['Name']
                continue
            with_results += 1
            [result] = model['Results']
            assert result['Task'] == task
            assert result['Dataset'] in {'ImageNet-1k', 'CIFAR-100', 'COCO',
                                         'Cityscapes'}
            for name, value in result['Metrics'].items():
                assert name.endswith(f'({SOURCES[method]})'), name
                assert isinstance(value, float) and 0 < value < 100
    assert with_results >= 55


def test_mim_search_shows_the_results():
    """The real `mim search` reads the Results of the installed package."""
    result = run_command(
        [osp.join(VENV_BIN, 'mim'), 'search', 'dist_kd_mm', '--field',
         'imagenet-1k/top_1_accuracy_(dist_paper)', 'cityscapes/miou_(dist_'
         'paper)'], cwd=REPO_ROOT)
    output = re.sub(r'\x1b\[[0-9;]*m', '', result.stdout)
    # one block a model: 'config id: NAME', then a line per field
    blocks = {block.split()[0]: block
              for block in output.split('config id: ')[1:]}
    dist = blocks['dist_logits_resnet34_resnet18_8xb32_in1k']
    assert re.search(r'imagenet-1k/top_1_accuracy_\(dist_paper\)\s+72\.07',
                     dist), dist
    seg = blocks['dist_logits_deeplabv3_r101-d8_deeplabv3_r18-d8_8xb2-40k_'
                 'cityscapes-512x1024']
    assert re.search(r'cityscapes/miou_\(dist_paper\)\s+77\.1', seg), seg
