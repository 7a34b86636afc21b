"""scikit-learn's digits exported as an image folder that mmpretrain reads."""
import os.path as osp

import numpy as np
from mmpretrain.datasets import CustomDataset
from PIL import Image
from sklearn.datasets import load_digits

from helpers import load_tool

export_tool = load_tool('dataset_converters/export_digits.py')
export_digits, stratified_split = (export_tool.export_digits,
                                   export_tool.stratified_split)


def test_export_is_complete_stratified_and_fixed(tmp_path):
    counts = export_digits(str(tmp_path / 'a'))
    assert counts['train'] + counts['val'] == 1797
    assert 0.18 < counts['val'] / 1797 < 0.22
    for digit in range(10):
        for split in ('train', 'val'):
            assert osp.isdir(tmp_path / 'a' / split / str(digit))
    export_digits(str(tmp_path / 'b'))
    names_a = sorted(p.name for p in (tmp_path / 'a' / 'val').rglob('*.png'))
    names_b = sorted(p.name for p in (tmp_path / 'b' / 'val').rglob('*.png'))
    assert names_a == names_b


def test_split_has_no_overlap_and_differs_by_seed():
    labels = load_digits().target
    train, val = stratified_split(labels, 0.2, seed=0)
    assert not set(train) & set(val)
    assert len(train) + len(val) == len(labels)
    _, other_val = stratified_split(labels, 0.2, seed=1)
    assert set(val) != set(other_val)


def test_custom_dataset_reads_the_exported_pixels(tmp_path):
    export_digits(str(tmp_path), limit=200)
    digits = load_digits()
    dataset = CustomDataset(
        data_root=str(tmp_path),
        data_prefix='val',
        pipeline=[dict(type='LoadImageFromFile', color_type='grayscale')])
    assert dataset.metainfo['classes'] == tuple(str(d) for d in range(10))
    sample = dataset[0]
    index = int(osp.splitext(osp.basename(sample['img_path']))[0])
    expected = np.rint(digits.images[index] * 255 / 16).astype(np.uint8)
    np.testing.assert_array_equal(sample['img'], expected)
    assert sample['gt_label'] == digits.target[index]
    assert np.asarray(Image.open(sample['img_path'])).shape == (8, 8)
