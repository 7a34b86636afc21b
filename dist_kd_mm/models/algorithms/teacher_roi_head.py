"""Run a teacher's first box head on RoIs chosen elsewhere (the student's)."""
from collections.abc import Sequence

from torch import Tensor, nn

ROI_COLUMNS = 5  # (batch index, x1, y1, x2, y2)


def check_rois(rois: object, num_images: int, source: str) -> Tensor:
    """Validate RoIs recorded from the student: ``(K, 5)`` float tensor whose
    first column is the image index in ``[0, num_images)``.

    Args:
        rois: the recorded value.
        num_images: images in the batch.
        source: where the RoIs were recorded, named in errors.
    """
    if not isinstance(rois, Tensor):
        raise TypeError(f'{source}: expected the RoIs as a Tensor of shape '
                        f'(K, {ROI_COLUMNS}), got {type(rois).__name__}')
    if rois.dim() != 2 or rois.shape[1] != ROI_COLUMNS:
        raise ValueError(f'{source}: expected RoIs of shape (K, '
                         f'{ROI_COLUMNS}) = (image index, x1, y1, x2, y2), '
                         f'got {tuple(rois.shape)}; check that the recorder '
                         'records the second input of the RoI extractor')
    if rois.numel() and not (0 <= rois[:, 0].min()
                             and rois[:, 0].max() < num_images):
        raise ValueError(f'{source}: RoI image indices must lie in [0, '
                         f'{num_images}), got {rois[:, 0].min():g}..'
                         f'{rois[:, 0].max():g}')
    return rois


def first_stage_index(roi_head: nn.Module, stage: int) -> int:
    """The box-head stage to run: ``stage`` for cascade heads, else 0."""
    num_stages = getattr(roi_head, 'num_stages', None)
    if num_stages is None:
        if stage != 0:
            raise ValueError(f'teacher_stage={stage} but the teacher\'s RoI '
                             f'head {type(roi_head).__name__} has one stage')
        return 0
    if not 0 <= stage < num_stages:
        raise ValueError(f'teacher_stage={stage} is out of range for the '
                         f'teacher\'s {type(roi_head).__name__} with '
                         f'{num_stages} stages')
    return stage


def box_head_on_rois(roi_head: nn.Module, features: Sequence[Tensor],
                     rois: Tensor, stage: int = 0) -> dict:
    """Classify ``rois`` with one stage of an mmdet RoI head.

    Runs the stage's RoI extractor and box head only: no sampling, no loss,
    no mask head and no later cascade stage.

    Args:
        roi_head: an mmdet ``StandardRoIHead`` or ``CascadeRoIHead``.
        features: the detector's multi-level features (FPN outputs).
        rois: ``(K, 5)`` RoIs, first column the image index.
        stage: cascade stage (0, the first, by default).

    Returns:
        mmdet's box results: ``cls_score`` ``(K, num_classes + 1)``,
        ``bbox_pred`` and ``bbox_feats``.
    """
    if getattr(roi_head, 'num_stages', None) is None:
        return roi_head._bbox_forward(tuple(features), rois)
    return roi_head._bbox_forward(
        first_stage_index(roi_head, stage), tuple(features), rois)
