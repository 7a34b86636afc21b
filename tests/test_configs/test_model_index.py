"""model-index.yml lists every distillation config through the metafiles."""
import glob
import os.path as osp

import yaml

from helpers import REPO_ROOT


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
