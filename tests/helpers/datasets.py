"""Small datasets written in the real layouts (image folder, Cityscapes,
COCO), read by the tests through the real dataset classes."""
import json
import os
import os.path as osp

import numpy as np
from PIL import Image


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


def write_tiny_imagenet(root: str, classes=(0, 1, 2), per_class: int = 4,
                        size: int = 64) -> None:
    """ImageNet's layout: train/<wnid>/<image>.JPEG, val/<image>.JPEG and
    meta/{train,val}.txt ("<path> <class index>" lines, which mmpretrain's
    ImageNet reads instead of scanning the 1000 class folders), images of a
    few of the 1000 classes."""
    rng = np.random.default_rng(0)
    lines = {'train': [], 'val': []}
    for label in classes:
        wnid = f'n{label:08d}'
        for split in ('train', 'val'):
            folder = osp.join(root, split, wnid)
            write_class_images(folder, label, per_class, rng, size)
            for name in sorted(os.listdir(folder)):
                jpeg = name.replace('.png', '.JPEG')
                Image.open(osp.join(folder, name)).save(
                    osp.join(folder, jpeg), format='JPEG')
                os.remove(osp.join(folder, name))
                if split == 'train':
                    lines[split].append(f'{wnid}/{jpeg} {label}')
                else:  # val/ is flat in ImageNet
                    flat = f'{wnid}_{jpeg}'
                    os.replace(osp.join(folder, jpeg),
                               osp.join(root, 'val', flat))
                    lines[split].append(f'{flat} {label}')
            if split == 'val':
                os.rmdir(folder)
    os.makedirs(osp.join(root, 'meta'), exist_ok=True)
    for split, entries in lines.items():
        with open(osp.join(root, 'meta', f'{split}.txt'), 'w') as f:
            f.write('\n'.join(entries) + '\n')


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


def write_tiny_imagefolder(root: str) -> None:
    """ImageNet-style folder: {train,val}/class_<k>/<i>.png, 3 classes."""
    rng = np.random.default_rng(0)
    for split, count in (('train', 8), ('val', 4)):
        for label in range(3):
            write_class_images(
                osp.join(root, split, f'class_{label}'), label, count, rng)


def write_tiny_cityscapes(root: str) -> None:
    """Cityscapes layout: 4 train and 2 val images of 128x256 pixels."""
    rng = np.random.default_rng(0)
    for split, cities in CITYSCAPES_CITIES.items():
        for city in cities:
            for index in range(2):
                write_cityscapes_pair(root, split, city, index, rng)


def write_tiny_coco(root: str) -> None:
    """COCO layout: {train2017,val2017}/*.jpg and
    annotations/instances_{split}.json with mmdet's 80 classes (ids 1..80);
    6 train and 3 val images of 160x128, one in three without objects."""
    from mmdet.datasets import CocoDataset
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
