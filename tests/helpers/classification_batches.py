"""Random classification batches as a data loader gives them (uint8 images,
labels in data samples), and a distiller's losses on one."""
import torch
from mmpretrain.structures import DataSample


def random_classification_batch(batch_size=4, size=32, channels=3,
                                num_classes=3, seed=0):
    """``batch_size`` random ``size`` x ``size`` images, labels ``i %
    num_classes``."""
    generator = torch.Generator().manual_seed(seed)
    inputs = [
        torch.randint(0, 256, (channels, size, size), generator=generator,
                      dtype=torch.uint8) for _ in range(batch_size)
    ]
    samples = [
        DataSample().set_gt_label(i % num_classes) for i in range(batch_size)
    ]
    return dict(inputs=inputs, data_samples=samples)


def distill_losses(model, data):
    """The losses of ``model`` (a distiller in training mode) on ``data``
    through its data preprocessor."""
    data = model.data_preprocessor(data, True)
    return model.loss(data['inputs'], data['data_samples'])
