"""StudentRoIDistill: the teacher scores exactly the student's RoIs."""
import pytest
import torch

from dist_kd_mm import DISTLoss, StudentRoIDistill
from helpers.detection_batches import build_distiller, coco_batch, det_config

TEACHERS = {
    'faster-rcnn_r101': ('dist_roi-logits_faster-rcnn_r101', False),
    'cascade-mask-rcnn_x101': ('dist_roi-logits_cascade-mask-rcnn', True),
}


class LossInputs:
    """Records what reaches ``DISTLoss.forward``."""

    def __init__(self, monkeypatch):
        self.calls = []
        original = DISTLoss.forward

        def spy(loss, logits_S, logits_T, gt_labels=None):
            self.calls.append((logits_S.detach(), logits_T.detach()))
            return original(loss, logits_S, logits_T, gt_labels)

        monkeypatch.setattr(DISTLoss, 'forward', spy)


def student_rois_of_one_step(model, batch, monkeypatch):
    """Run one loss step; return the inputs, the RoIs the student's RoI
    extractor saw (own hook, not the distiller's recorder), and the
    (student, teacher) logits that reached DISTLoss."""
    seen = []
    handle = model.student.roi_head.bbox_roi_extractor.register_forward_hook(
        lambda module, inputs, output: seen.append(inputs[1].detach()))
    spy = LossInputs(monkeypatch)
    data = model.data_preprocessor(batch, True)
    model.train()
    losses = model.loss(data['inputs'], data['data_samples'])
    handle.remove()
    assert len(seen) == 1 and len(spy.calls) == 1
    return data['inputs'], seen[0], spy.calls[0], losses


def teacher_box_head(teacher, cascade):
    """The first-stage RoI extractor and box head of the teacher."""
    if cascade:
        return (teacher.roi_head.bbox_roi_extractor[0],
                teacher.roi_head.bbox_head[0])
    return teacher.roi_head.bbox_roi_extractor, teacher.roi_head.bbox_head


@pytest.mark.parametrize('teacher', sorted(TEACHERS))
def test_teacher_logits_are_its_box_head_on_the_students_rois(
        teacher, tiny_coco, monkeypatch):
    name, cascade = TEACHERS[teacher]
    cfg, model = build_distiller(det_config(name))
    assert isinstance(model, StudentRoIDistill)
    inputs, rois, (logits_s, logits_t), losses = student_rois_of_one_step(
        model, coco_batch(cfg, tiny_coco), monkeypatch)
    assert torch.isfinite(losses['distill.loss_dist'])
    # 512 sampled RoIs per image (mmdet's sampler), 81 classes
    assert rois.shape == (1024, 5)
    assert logits_s.shape == logits_t.shape == (1024, 81)
    with torch.no_grad():
        features = model.teacher.extract_feat(inputs)
        extractor, head = teacher_box_head(model.teacher, cascade)
        by_hand, _ = head(extractor(features[:extractor.num_inputs], rois))
    torch.testing.assert_close(logits_t, by_hand, rtol=1e-6, atol=1e-6)
    # and not the teacher's head on a shuffled set of the same boxes
    shuffled = rois[torch.randperm(len(rois), generator=torch.Generator(
    ).manual_seed(0))]
    with torch.no_grad():
        other, _ = head(extractor(features[:extractor.num_inputs], shuffled))
    assert not torch.allclose(logits_t, other, atol=1e-4)


def test_each_image_keeps_its_own_rois(tiny_coco, monkeypatch):
    """Rows of image i are the teacher's head on image i's features alone."""
    cfg, model = build_distiller(det_config('dist_roi-logits_faster-rcnn'))
    inputs, rois, (_, logits_t), _ = student_rois_of_one_step(
        model, coco_batch(cfg, tiny_coco, indices=(0, 1)), monkeypatch)
    extractor, head = teacher_box_head(model.teacher, cascade=False)
    with torch.no_grad():
        features = model.teacher.extract_feat(inputs)
        for image in (0, 1):
            rows = rois[:, 0] == image
            assert rows.sum() == 512
            own = rois[rows].clone()
            own[:, 0] = 0
            feats = [level[image:image + 1] for level in features]
            alone, _ = head(extractor(feats[:extractor.num_inputs], own))
            torch.testing.assert_close(logits_t[rows], alone, rtol=1e-5,
                                       atol=1e-5)
            other = [level[1 - image:2 - image] for level in features]
            swapped, _ = head(extractor(other[:extractor.num_inputs], own))
            assert not torch.allclose(logits_t[rows], swapped, atol=1e-4)


def test_image_without_objects_or_rois_gives_a_finite_loss(tiny_coco,
                                                           monkeypatch):
    """No RPN proposal survives (min_bbox_size), so an image without
    objects gets zero RoIs; a batch of two such images has none at all."""
    cfg, model = build_distiller(
        det_config('dist_roi-logits_faster-rcnn'),
        rpn_proposal=dict(min_bbox_size=10**6))
    # fixture images 2 and 5 have no object; 0 has objects
    for indices, expected_rois in (((0, 2), None), ((2, 5), 0)):
        batch = coco_batch(cfg, tiny_coco, indices, keep_empty=True)
        assert len(batch['data_samples'][1].gt_instances) == 0
        _, rois, (logits_s, logits_t), losses = student_rois_of_one_step(
            model, batch, monkeypatch)
        monkeypatch.undo()
        assert (rois[:, 0] == 1).sum() == 0  # the empty image: no RoI
        if expected_rois is not None:
            assert len(rois) == expected_rois
        assert logits_s.shape == logits_t.shape == (len(rois), 81)
        distill = losses['distill.loss_dist']
        assert torch.isfinite(distill)
        total, _ = model.parse_losses(losses)
        total.backward()
        grads = [p.grad for p in model.student.parameters()
                 if p.grad is not None]
        assert grads and all(torch.isfinite(g).all() for g in grads)
        model.zero_grad()


def test_misconfigured_rois_recorder_is_named():
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmrazor.registry import MODELS
    cfg = Config.fromfile(det_config('dist_roi-logits_faster-rcnn'))
    model_cfg = cfg.model
    model_cfg.teacher_ckpt = None
    model_cfg.architecture.backbone.init_cfg = None
    model_cfg.student_rois = dict(recorder='roi', data_idx=1)
    with DefaultScope.overwrite_default_scope('mmdet'):
        with pytest.raises(KeyError, match=r"recorder='roi' is not one"):
            MODELS.build(model_cfg)
        model_cfg.student_rois = dict(recorder='rois', data_idx=1)
        model_cfg.teacher_stage = 1
        with pytest.raises(ValueError, match='teacher_stage=1'):
            MODELS.build(model_cfg)
        model_cfg.teacher_stage = 0
        teacher = model_cfg.teacher
        # a caffe-style teacher: BGR input, other mean and std; named, with
        # the option that converts the batches to its own
        model_cfg.teacher = dict(
            cfg_path='mmdet::faster_rcnn/faster-rcnn_r50-caffe_fpn_1x_coco.py',
            pretrained=False)
        with pytest.raises(ValueError, match=r'(?s)faster-rcnn_r50-caffe.*'
                           r'mean \[103.53, 116.28, 123.675\].*'
                           r'model.teacher_input=dict\(\)'):
            MODELS.build(model_cfg)
        assert MODELS.build(dict(model_cfg, teacher_input=dict()))
        # a single-stage student: the package's check, not mmrazor's
        # recorder error on the missing roi_head
        model_cfg.teacher = teacher
        model_cfg.architecture = dict(
            cfg_path='mmdet::retinanet/retinanet_r50_fpn_1x_coco.py',
            pretrained=False)
        with pytest.raises(TypeError, match='needs two-stage detectors; the '
                           'student RetinaNet has no roi_head'):
            MODELS.build(model_cfg)


def test_wrong_rois_record_is_named(tiny_coco):
    """The RoI recorder pointed at the extractor's features (data_idx=0)."""
    cfg, model = build_distiller(det_config('dist_roi-logits_faster-rcnn'))
    model.student_rois = dict(recorder='rois', data_idx=0)
    data = model.data_preprocessor(coco_batch(cfg, tiny_coco), True)
    model.train()
    with pytest.raises(TypeError, match=r"student recorder 'rois' "
                       r'\(roi_head.bbox_roi_extractor\)'):
        model.loss(data['inputs'], data['data_samples'])


def test_teacher_autocast_runs_the_roi_teacher_in_bfloat16(tiny_coco,
                                                          monkeypatch):
    """``teacher_autocast`` reaches the RoI teacher: its backbone and box
    head run in bfloat16 (CPU autocast, the code path of CUDA's), the
    student in float32, and DISTLoss gets float32 logits."""
    cfg, model = build_distiller(
        det_config('dist_roi-logits_faster-rcnn_r101'),
        algorithm=dict(teacher_autocast='bfloat16'))
    seen = {}

    def note(name):
        def hook(module, inputs, out):  # returns None: the output stays
            seen.setdefault(
                name, (out[0] if isinstance(out, tuple) else out).dtype)
        return hook

    _, box_head = teacher_box_head(model.teacher, cascade=False)
    for name, module in (('teacher_backbone', model.teacher.backbone),
                         ('teacher_fc_cls', box_head.fc_cls),
                         ('student_fc_cls',
                          model.student.roi_head.bbox_head.fc_cls)):
        module.register_forward_hook(note(name))
    _, _, (logits_s, logits_t), losses = student_rois_of_one_step(
        model, coco_batch(cfg, tiny_coco), monkeypatch)
    assert seen == dict(teacher_backbone=torch.bfloat16,
                        teacher_fc_cls=torch.bfloat16,
                        student_fc_cls=torch.float32)
    assert logits_s.dtype == logits_t.dtype == torch.float32
    assert losses['distill.loss_dist'].dtype == torch.float32
    assert torch.isfinite(losses['distill.loss_dist'])
