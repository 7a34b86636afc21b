# dist_tiny-resnet_imagefolder.py with a small ViT student whose head is
# mmpretrain's VisionTransformerClsHead, which starts at zero weights: every
# student row is constant at the first step. Plain SGD at lr 0.1 over 20
# iterations.
_base_ = ['./dist_tiny-resnet_imagefolder.py']

model = dict(
    architecture=dict(
        _delete_=True,
        _scope_='mmpretrain',
        type='ImageClassifier',
        backbone=dict(
            type='VisionTransformer',
            arch=dict(
                embed_dims=32,
                num_layers=2,
                num_heads=2,
                feedforward_channels=64),
            img_size=32,
            patch_size=8),
        neck=None,
        head=dict(
            type='VisionTransformerClsHead',
            num_classes=_base_.num_classes,
            in_channels=32,
            loss=dict(type='CrossEntropyLoss', loss_weight=1.0))),
    distiller=dict(
        student_recorders=dict(
            fc=dict(type='ModuleOutputs', source='head.layers.head'))))

train_cfg = dict(max_iters=20, val_interval=20)
optim_wrapper = dict(optimizer=dict(lr=0.1))
default_hooks = dict(checkpoint=dict(interval=20))
