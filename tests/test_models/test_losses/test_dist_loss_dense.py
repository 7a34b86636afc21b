"""DISTLoss on dense maps: sizes, ignored pixels, per-image intra relation."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from dist_reference import reference_dense, reference_dist
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from dist_kd_mm import DISTLoss


def random_maps(shape, seed, scale=3.0):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=generator) * scale


def random_labels(shape, seed, ignored=0.3, num_classes=19):
    generator = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, num_classes, shape, generator=generator)
    ignore = torch.rand(shape, generator=generator) < ignored
    return labels.masked_fill(ignore, 255)


def test_student_maps_are_resized_to_the_teacher():
    student = random_maps((2, 19, 8, 16), 0).requires_grad_()
    teacher = random_maps((2, 19, 16, 32), 1)
    loss = DISTLoss(tau=2.0)
    value = loss(student, teacher)
    resized = F.interpolate(student.detach(), size=(16, 32),
                            mode='bilinear', align_corners=False)
    expected = reference_dist(resized.numpy(), teacher.numpy(), tau=2.0)
    assert value.item() == pytest.approx(expected, rel=1e-5)
    # not the other way round: the teacher is not brought to 8x16
    shrunk = F.interpolate(teacher, size=(8, 16), mode='bilinear',
                           align_corners=False)
    other = reference_dist(student.detach().numpy(), shrunk.numpy(), tau=2.0)
    assert abs(value.item() - other) > 1e-3
    value.backward()
    assert student.grad.shape == student.shape
    assert torch.isfinite(student.grad).all() and student.grad.abs().sum() > 0


def test_ignored_pixels_take_no_part():
    student = random_maps((2, 5, 6, 7), 2)
    teacher = random_maps((2, 5, 6, 7), 3)
    labels = random_labels((2, 6, 7), 4, num_classes=5)
    assert (labels == 255).any() and (labels != 255).any()
    value = DISTLoss()(student, teacher, labels)
    expected = reference_dense(student.numpy(), teacher.numpy(),
                               labels.numpy())
    assert value.item() == pytest.approx(expected, rel=1e-5)
    unmasked = DISTLoss()(student, teacher)
    assert abs(value.item() - unmasked.item()) > 1e-3


def test_changing_ignored_pixels_changes_nothing():
    student = random_maps((2, 5, 6, 7), 5).requires_grad_()
    teacher = random_maps((2, 5, 6, 7), 6)
    labels = random_labels((2, 6, 7), 7, num_classes=5)
    ignored = (labels == 255)[:, None].expand_as(teacher)
    other_teacher = torch.where(ignored, random_maps(teacher.shape, 8),
                                teacher)
    first = DISTLoss()(student, teacher, labels)
    first.backward()
    grad = student.grad.clone()
    student.grad = None
    second = DISTLoss()(student, other_teacher, labels)
    second.backward()
    assert first.item() == pytest.approx(second.item(), rel=1e-6)
    torch.testing.assert_close(grad, student.grad)
    assert grad[ignored].abs().max() == 0


def test_labels_at_input_resolution_are_brought_to_the_logits_size():
    student = random_maps((2, 4, 5, 6), 9)
    teacher = random_maps((2, 4, 5, 6), 10)
    labels = random_labels((2, 10, 12), 11, num_classes=4)
    value = DISTLoss()(student, teacher, labels)
    # nearest interpolation by an exact factor 2 keeps every second pixel
    expected = reference_dense(student.numpy(), teacher.numpy(),
                               labels[:, ::2, ::2].numpy())
    assert value.item() == pytest.approx(expected, rel=1e-5)


def test_labels_from_mmseg_data_samples():
    student = random_maps((2, 4, 5, 6), 12)
    teacher = random_maps((2, 4, 5, 6), 13)
    labels = random_labels((2, 5, 6), 14, num_classes=4)
    samples = []
    for label in labels:
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(data=label[None])
        samples.append(sample)
    from_samples = DISTLoss()(student, teacher, samples)
    from_tensor = DISTLoss()(student, teacher, labels)
    assert from_samples.item() == pytest.approx(from_tensor.item())


def test_all_pixels_ignored_gives_a_finite_zero():
    student = random_maps((2, 5, 4, 4), 15).requires_grad_()
    teacher = random_maps((2, 5, 4, 4), 16)
    labels = torch.full((2, 4, 4), 255)
    value = DISTLoss()(student, teacher, labels)
    value.backward()
    assert value.item() == 0.0
    assert torch.isfinite(student.grad).all()
    assert student.grad.abs().max() == 0


@pytest.mark.parametrize('with_labels', [False, True])
def test_intra_relation_per_image(with_labels):
    student = random_maps((3, 5, 4, 6), 17)
    teacher = random_maps((3, 5, 4, 6), 18)
    labels = random_labels((3, 4, 6), 19, num_classes=5)
    labels[1] = 255  # one image entirely ignored
    labels = labels if with_labels else None
    loss = DISTLoss(intra_per_image=True, tau=1.5, loss_weight=2.0)
    value = loss(student, teacher, labels)
    expected = reference_dense(
        student.numpy(), teacher.numpy(),
        None if labels is None else labels.numpy(), per_image=True,
        tau=1.5, loss_weight=2.0)
    assert value.item() == pytest.approx(expected, rel=1e-5)
    batch = DISTLoss(tau=1.5, loss_weight=2.0)(student, teacher, labels)
    assert abs(value.item() - batch.item()) > 1e-3


def test_per_image_intra_relation_is_defined_for_one_image_per_gpu():
    """One image per GPU: the batch-wide intra relation equals the per-image
    one, and neither degenerates (unlike correlating images)."""
    student = random_maps((1, 19, 8, 8), 20)
    teacher = random_maps((1, 19, 8, 8), 21)
    per_image = DISTLoss(intra_per_image=True)(student, teacher)
    batch = DISTLoss()(student, teacher)
    assert per_image.item() == pytest.approx(batch.item(), rel=1e-6)
    assert 0.1 < per_image.item() < 3.9


def test_gradcheck_with_mask_resize_and_per_image():
    student = random_maps((2, 3, 3, 4), 22, 1.0).double().requires_grad_()
    teacher = random_maps((2, 3, 6, 8), 23, 1.0).double().requires_grad_()
    labels = random_labels((2, 6, 8), 24, num_classes=3)
    labels[0, 0, 0] = 0  # at least one valid pixel per image
    loss = DISTLoss(teacher_detach=False, intra_per_image=True, tau=2.0)
    assert torch.autograd.gradcheck(
        lambda s, t: loss(s, t, labels), (student, teacher))


def test_dense_errors_name_the_problem():
    with pytest.raises(ValueError, match=r'\(N, C\)|differ in shape'):
        DISTLoss()(random_maps((2, 19, 4, 4), 0), random_maps((2, 18, 8, 8),
                                                               1))
    with pytest.raises(ValueError, match='gt_labels hold 3 images'):
        DISTLoss()(random_maps((2, 4, 4, 4), 0), random_maps((2, 4, 4, 4), 1),
                   torch.zeros(3, 4, 4, dtype=torch.long))
    with pytest.raises(TypeError, match='gt_labels'):
        DISTLoss()(random_maps((2, 4, 4, 4), 0), random_maps((2, 4, 4, 4), 1),
                   [np.zeros((4, 4))])
    with pytest.raises(ValueError, match=r'gt_labels need one label per '
                       r'pixel, shape \(N, H, W\) for logits of shape '
                       r'\(2, 4, 4, 4\), got 2 dims'):
        DISTLoss()(random_maps((2, 4, 4, 4), 0), random_maps((2, 4, 4, 4), 1),
                   torch.zeros(2, 4, dtype=torch.long))
    logits = random_maps((4, 3), 2)
    with pytest.raises(ValueError, match=r'gt_labels \(ignored pixels\) '
                       r'apply to dense maps \(N, C, H, W\) only; the '
                       r'logits have shape \(4, 3\)'):
        DISTLoss()(logits, logits, gt_labels=logits)


@pytest.mark.parametrize('shape', [(8, 1), (2, 1, 4, 4)])
def test_one_class_is_refused_unless_only_the_intra_relation_runs(shape):
    """Over one class the inter-class relation is constant (a softmax makes
    all of it constant): DIST would return 2.0 with no gradient."""
    logits_s, logits_t = random_maps(shape, 3), random_maps(shape, 4)
    for options in (dict(), dict(activation='sigmoid'),
                    dict(inter_loss_weight=0.0)):
        with pytest.raises(ValueError, match=r'have one class.*'
                           r"activation='sigmoid' with inter_loss_weight=0"):
            DISTLoss(**options)(logits_s, logits_t)
    logits_s.requires_grad_()
    loss = DISTLoss(activation='sigmoid', inter_loss_weight=0.0)
    loss(logits_s, logits_t).backward()
    assert logits_s.grad.abs().sum() > 0
    assert torch.autograd.gradcheck(
        lambda s: loss(s, logits_t.double()),
        (logits_s.detach().double().requires_grad_(), ))


@pytest.mark.parametrize('per_image', [False, True])
@pytest.mark.parametrize('with_labels', [False, True])
def test_chunked_computation_equals_one_chunk(monkeypatch, per_image,
                                              with_labels):
    from dist_kd_mm.models.losses import pearson
    student = random_maps((3, 5, 6, 7), 25).requires_grad_()
    teacher = random_maps((3, 5, 12, 14), 26).requires_grad_()
    labels = random_labels((3, 12, 14), 27, num_classes=5)
    labels = labels if with_labels else None
    loss = DISTLoss(intra_per_image=per_image, teacher_detach=False, tau=2.0)

    def value_and_grads():
        student.grad = teacher.grad = None
        value = loss(student, teacher, labels)
        value.backward()
        return value.detach(), student.grad.clone(), teacher.grad.clone()

    whole = value_and_grads()
    monkeypatch.setattr(pearson, 'CHUNK_ELEMENTS', 40)
    monkeypatch.setattr(pearson, 'MIN_CHUNK_POSITIONS', 1)
    assert len(pearson.chunks_of(torch.Size((3, 1, 5, 168)))) > 10
    chunked = value_and_grads()
    for one, other in zip(whole, chunked):
        torch.testing.assert_close(one, other, rtol=1e-5, atol=1e-7)
    expected = reference_dense(
        F.interpolate(student.detach(), size=(12, 14), mode='bilinear',
                      align_corners=False).numpy(), teacher.detach().numpy(),
        None if labels is None else labels.numpy(), per_image=per_image,
        tau=2.0)
    assert chunked[0].item() == pytest.approx(expected, rel=1e-5)


def anchor_rows(logits, num_anchors):
    """(N, A*C, H, W) -> (N*H*W*A, C) rows, one per anchor and pixel, by
    explicit indexing of channel a*C + c."""
    x = np.asarray(logits, dtype=np.float64)
    batch, channels, height, width = x.shape
    classes = channels // num_anchors
    rows = [
        x[n, a * classes:(a + 1) * classes, i, j]
        for n in range(batch) for i in range(height) for j in range(width)
        for a in range(num_anchors)
    ]
    return np.stack(rows)


def test_anchor_head_logits_make_one_instance_per_anchor():
    """RetinaNet layout: 3 anchors x 5 classes, sigmoid."""
    student = random_maps((2, 15, 3, 4), 30).requires_grad_()
    teacher = random_maps((2, 15, 3, 4), 31)
    value = DISTLoss(activation='sigmoid', num_anchors=3, tau=2.0)(
        student, teacher)
    expected = reference_dist(anchor_rows(student.detach(), 3),
                              anchor_rows(teacher, 3), tau=2.0,
                              activation='sigmoid')
    assert value.item() == pytest.approx(expected, rel=1e-5)
    # differs from treating the 15 channels as classes
    flat = reference_dist(student.detach().numpy(), teacher.numpy(),
                          tau=2.0, activation='sigmoid')
    assert abs(value.item() - flat) > 1e-3
    value.backward()
    assert torch.isfinite(student.grad).all()


def test_anchor_count_must_divide_the_channels():
    with pytest.raises(ValueError, match=r'num_anchors=4 .* 15 channels'):
        DISTLoss(num_anchors=4)(random_maps((1, 15, 2, 2), 0),
                                random_maps((1, 15, 2, 2), 1))
    with pytest.raises(ValueError, match='num_anchors'):
        DISTLoss(num_anchors=0)
