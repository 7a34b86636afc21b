"""What the backbones of this package share: output selection, init and
the forward through a stem and stages."""
from collections.abc import Sequence

from mmpretrain.models.backbones.base_backbone import BaseBackbone
from torch import Tensor

DEFAULT_INIT_CFG = [
    dict(type='Kaiming', layer=['Conv2d']),
    dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm'])
]


def check_out_indices(out_indices: Sequence[int], num_outputs: int,
                      name: str) -> tuple[int, ...]:
    """Validate ``out_indices`` (negative ones count from the end)."""
    indices = tuple(index % num_outputs if -num_outputs <= index < 0 else
                    index for index in out_indices)
    bad = [index for index in indices if not 0 <= index < num_outputs]
    if bad or not indices:
        raise ValueError(f'{name}: out_indices {tuple(out_indices)} must be '
                         f'non-empty and within [0, {num_outputs})')
    return indices


def select_outputs(outputs: list[Tensor],
                   out_indices: tuple[int, ...]) -> tuple[Tensor, ...]:
    """The outputs that ``out_indices`` names, as mmpretrain necks expect."""
    return tuple(outputs[index] for index in out_indices)


class StagedBackbone(BaseBackbone):
    """A ``stem``, then the stages in the attribute ``stages_name``, each
    output selectable by ``out_indices``."""

    stages_name = 'stages'

    def forward(self, x: Tensor) -> tuple[Tensor, ...]:
        outputs = []
        x = self.stem(x)
        for stage in getattr(self, self.stages_name):
            x = stage(x)
            outputs.append(x)
        return select_outputs(outputs, self.out_indices)
