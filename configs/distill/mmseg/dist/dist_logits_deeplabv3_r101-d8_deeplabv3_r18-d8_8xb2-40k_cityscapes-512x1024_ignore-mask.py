# The paper's DeepLabV3-R101-D8 -> DeepLabV3-R18-D8 setting, with the pixels
# labelled 255 (ignored in Cityscapes' train ids) left out of both DIST
# relations. This project's option, not the paper's.
#
# How the labels reach the loss: a MethodInputs recorder on the student's
# EncoderDecoder.loss(inputs, data_samples) records its data samples (data_idx
# 1), and the mapping passes them to DISTLoss.forward(gt_labels=...), which
# brings their gt_sem_seg maps to the logits' size (nearest) and masks 255.
_base_ = ['./dist_logits_deeplabv3_r101-d8_deeplabv3_r18-d8_8xb2-40k_cityscapes-512x1024.py']  # noqa: E501


def _masked_mapping(recorder):
    return dict(
        logits_S=dict(from_student=True, recorder=recorder),
        logits_T=dict(from_student=False, recorder=recorder),
        gt_labels=dict(from_student=True, recorder='seg_inputs', data_idx=1))


model = dict(
    distiller=dict(
        student_recorders=dict(
            seg_inputs=dict(
                type='MethodInputs',
                source='mmseg.models.segmentors.EncoderDecoder.loss')),
        distill_losses=dict(
            loss_dist=dict(ignore_index=255),
            loss_dist_aux=dict(ignore_index=255)),
        loss_forward_mappings=dict(
            _delete_=True,
            loss_dist=_masked_mapping('logits'),
            loss_dist_aux=_masked_mapping('aux_logits'))))
