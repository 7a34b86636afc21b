# The DeepLabV3-R101-D8 -> DeepLabV3-R18-D8 setting with the augmentation
# and normalisation of the authors' code (CIRKD's Cityscapes loader) in
# place of mmseg's, built from mmseg's own transforms:
# - random scale from 0.5 to 2.0 in steps of 0.1 (16 scales), bilinear for
#   the image and nearest for the labels;
# - a 512x1024 random crop without cat_max_ratio, horizontal flip;
# - no photometric distortion;
# - BGR images minus CIRKD's BGR mean, not divided by a std.
# The teacher (mmseg's, trained on RGB images normalised by mean and std)
# gets its own normalisation back through teacher_input.
_base_ = ['./dist_logits_deeplabv3_r101-d8_deeplabv3_r18-d8_8xb2-40k_cityscapes-512x1024.py']  # noqa: E501

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomChoiceResize',
         scales=[(2048 * r / 10, 1024 * r / 10) for r in range(5, 21)],
         keep_ratio=True),
    dict(type='RandomCrop', crop_size=(512, 1024)),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

paper_normalisation = dict(
    mean=[104.00698793, 116.66876762, 122.67891434],
    std=[1.0, 1.0, 1.0],
    bgr_to_rgb=False)
model = dict(
    data_preprocessor=paper_normalisation,
    architecture=dict(data_preprocessor=paper_normalisation),
    teacher_input=dict())
