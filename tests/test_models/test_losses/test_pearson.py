"""The one Pearson implementation against the formula written plainly with
autograd, in float64: values and gradients of both sides, every grouping
DIST uses, activations, masks, several chunks and degenerate groups."""
import itertools

import pytest
import torch
from scipy import stats

from dist_kd_mm.models.losses import pearson as pearson_module
from dist_kd_mm.models.losses.pearson import chunks_of, pearson

# (N, A, C, P): rows, anchors x positions, a map split into chunks
SHAPES = [(4, 1, 7, 1), (3, 2, 5, 40), (2, 1, 19, 300)]
GROUPINGS = [(2, ), (0, 1, 3), (1, 3)]  # inter, intra, intra per image
EPS = 1e-8
CONSTANT_CLASS = 1


def plain_pearson(x_s, x_t, groupings, activation, tau, mask):
    """The formula with autograd: masked means, centring and sums."""

    def activate(x):
        if activation == 'softmax':
            return (x / tau).softmax(dim=2)
        if activation == 'sigmoid':
            return (x / tau).sigmoid()
        return x

    y_s, y_t = activate(x_s), activate(x_t)
    m = torch.ones_like(y_s) if mask is None else torch.broadcast_to(
        mask, y_s.shape)
    results = []
    for dims in groupings:
        count = m.sum(dims, keepdim=True).clamp(min=1)
        a = (y_s - (y_s * m).sum(dims, keepdim=True) / count) * m
        b = (y_t - (y_t * m).sum(dims, keepdim=True) / count) * m
        # vector_norm: autograd's subgradient 0 at a zero vector
        norms = (torch.linalg.vector_norm(a, dim=dims, keepdim=True) *
                 torch.linalg.vector_norm(b, dim=dims, keepdim=True))
        results.append((a * b).sum(dims, keepdim=True) / (norms + EPS))
    return results


def make_inputs(shape, seed, masked):
    generator = torch.Generator().manual_seed(seed)
    x_s = torch.randn(shape, generator=generator, dtype=torch.float64) * 3
    x_t = torch.randn(shape, generator=generator, dtype=torch.float64) * 3
    x_s[0, 0, :, 0] = 0.5  # a uniform student instance (zero norm)
    x_t[:, :, CONSTANT_CLASS] = -1.0  # a constant teacher class
    mask = None
    if masked:
        num, _, _, positions = shape
        mask = (torch.rand(num, 1, 1, positions, generator=generator) >
                0.3).double()
        mask[-1] = 0  # an image without valid positions
    return x_s.requires_grad_(), x_t.requires_grad_(), mask


@pytest.mark.parametrize(
    'shape,activation,masked,chunk',
    list(itertools.product(SHAPES, ['softmax', 'sigmoid', None],
                           [False, True], [1 << 18, 20])))
def test_matches_the_plain_formula(monkeypatch, shape, activation, masked,
                                   chunk):
    monkeypatch.setattr(pearson_module, 'CHUNK_ELEMENTS', chunk)
    monkeypatch.setattr(pearson_module, 'MIN_CHUNK_POSITIONS', 1)
    x_s, x_t, mask = make_inputs(shape, 0, masked)
    got = pearson(x_s, x_t, GROUPINGS, EPS, activation, class_dim=2,
                  tau=2.0, mask=mask)
    expected = plain_pearson(x_s, x_t, GROUPINGS, activation, 2.0, mask)
    generator = torch.Generator().manual_seed(1)
    weights = [torch.randn(r.shape, generator=generator, dtype=torch.float64)
               for r in expected]
    for value, reference in zip(got, expected):
        assert value.shape == reference.shape
        torch.testing.assert_close(value, reference, rtol=1e-12,
                                   atol=1e-12)
    grads = torch.autograd.grad(
        sum((r * w).sum() for r, w in zip(got, weights)), (x_s, x_t))
    reference_grads = torch.autograd.grad(
        sum((r * w).sum() for r, w in zip(expected, weights)), (x_s, x_t))
    # the two degenerate groups (the uniform student instance, the constant
    # teacher class) have centred values that are rounding residues, times
    # 1 / eps in both implementations: compared tightly everywhere else
    regular = torch.ones(shape, dtype=torch.bool)
    regular[:, :, CONSTANT_CLASS] = False
    regular[0, 0, :, 0] = False
    for grad, reference in zip(grads, reference_grads):
        assert torch.isfinite(reference).all() and torch.isfinite(grad).all()
        scale = reference.abs().max()
        torch.testing.assert_close(grad[regular] / scale,
                                   reference[regular] / scale, rtol=0,
                                   atol=1e-10)
        torch.testing.assert_close(grad / scale, reference / scale, rtol=0,
                                   atol=1e-4)
    if chunk == 20 and shape[-1] > 1:  # the chunked path was taken
        assert len(chunks_of(shape)) > 1


def test_default_chunks():
    """ImageNet logits are one chunk; a RetinaNet P3 level at 1333x800 is
    split into chunks of at most CHUNK_ELEMENTS elements."""
    assert chunks_of((256, 1, 1000, 1)) == [slice(0, 1)]
    chunks = chunks_of((2, 9, 80, 100 * 168))
    assert len(chunks) > 1 and chunks[-1].stop == 100 * 168
    assert all(2 * 9 * 80 * (c.stop - c.start) <=
               pearson_module.CHUNK_ELEMENTS for c in chunks)


def test_gradcheck_masked_and_chunked(monkeypatch):
    monkeypatch.setattr(pearson_module, 'CHUNK_ELEMENTS', 10)
    monkeypatch.setattr(pearson_module, 'MIN_CHUNK_POSITIONS', 1)
    generator = torch.Generator().manual_seed(2)
    x_s = torch.randn(2, 1, 3, 6, generator=generator, dtype=torch.float64)
    x_t = torch.randn(2, 1, 3, 6, generator=generator, dtype=torch.float64)
    mask = torch.tensor([1., 0, 1, 1, 0, 1], dtype=torch.float64).reshape(
        1, 1, 1, 6).repeat(2, 1, 1, 1)
    assert torch.autograd.gradcheck(
        lambda s, t: [r.sum() for r in pearson(
            s, t, [(2, ), (0, 1, 3)], EPS, 'softmax', 2, 1.5, mask)],
        (x_s.requires_grad_(), x_t.requires_grad_()))


def test_agrees_with_scipy_and_ignores_unused_outputs():
    generator = torch.Generator().manual_seed(3)
    x_s = torch.randn(5, 9, 1, generator=generator, dtype=torch.float64)
    x_t = torch.randn(5, 9, 1, generator=generator, dtype=torch.float64)
    rows, columns = pearson(x_s.requires_grad_(), x_t, [(1, ), (0, 2)],
                            eps=0.0)
    for i in range(5):
        assert rows[i, 0, 0].item() == pytest.approx(
            stats.pearsonr(x_s[i, :, 0].detach(), x_t[i, :, 0])[0],
            rel=1e-12)
    for c in range(9):
        assert columns[0, c, 0].item() == pytest.approx(
            stats.pearsonr(x_s[:, c, 0].detach(), x_t[:, c, 0])[0],
            rel=1e-12)
    rows.sum().backward()  # the column correlations take no part
    expected, = torch.autograd.grad(
        plain_pearson(x_s, x_t, [(1, )], None, 1.0, None)[0].sum(), x_s)
    torch.testing.assert_close(x_s.grad, expected)


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
def test_low_precision_input_gives_float32_correlations(dtype):
    generator = torch.Generator().manual_seed(4)
    x_s = torch.randn(4, 1, 10, 50, generator=generator)
    x_t = torch.randn(4, 1, 10, 50, generator=generator)
    low = x_s.to(dtype).requires_grad_()
    corr, = pearson(low, x_t.to(dtype), [(2, )], EPS, 'softmax', 2)
    corr.sum().backward()
    assert corr.dtype == torch.float32 and low.grad.dtype == dtype
    reference, = pearson(low.detach().float(), x_t.to(dtype).float(),
                         [(2, )], EPS, 'softmax', 2)
    torch.testing.assert_close(corr, reference)


def test_bad_arguments_are_named():
    x = torch.randn(2, 3, 4)
    with pytest.raises(ValueError, match=r'shapes differ: \(2, 3, 4\)'):
        pearson(x, x[:1], [(1, )])
    with pytest.raises(ValueError, match='activation must be'):
        pearson(x, x, [(1, )], activation='relu')


def test_softmax_over_the_last_dim_is_one_chunk(monkeypatch):
    """Rows with classes last, e.g. (N, A, C) after a trailing size-1 dim
    was dropped: the softmax dim is not split into chunks."""
    monkeypatch.setattr(pearson_module, 'CHUNK_ELEMENTS', 8)
    monkeypatch.setattr(pearson_module, 'MIN_CHUNK_POSITIONS', 1)
    generator = torch.Generator().manual_seed(5)
    x_s = torch.randn(6, 1, 9, generator=generator, dtype=torch.float64)
    x_t = torch.randn(6, 1, 9, generator=generator, dtype=torch.float64)
    got = pearson(x_s.requires_grad_(), x_t, [(2, ), (0, 1)], EPS,
                  'softmax', class_dim=-1, tau=2.0)
    expected = plain_pearson(x_s[..., None], x_t[..., None],
                             [(2, ), (0, 1, 3)], 'softmax', 2.0, None)
    for value, reference in zip(got, expected):
        torch.testing.assert_close(value, reference[..., 0], rtol=1e-12,
                                   atol=1e-12)
    grad, = torch.autograd.grad(sum(r.sum() for r in got), x_s)
    reference, = torch.autograd.grad(sum(r.sum() for r in expected), x_s)
    torch.testing.assert_close(grad, reference, rtol=1e-9, atol=1e-12)


def test_chunks_are_not_narrower_than_the_minimum():
    """256x512 channels per position (ResNet layer4): one chunk of all 49
    positions rather than 2-position slices."""
    assert chunks_of((256, 512, 49)) == [slice(0, 49)]
    assert all(c.stop - c.start >= pearson_module.MIN_CHUNK_POSITIONS
               for c in chunks_of((64, 2048, 1000))[:-1])


def test_norm_floor_keeps_the_value_and_tapers_the_gradient():
    """Rows whose student norm is below the floor (a constant row, a row of
    scale 1e-7) get the formula's gradient times ``(|a| / floor)**2``, 0 at
    the constant row; every other gradient, and every value, is the
    formula's exactly."""
    generator = torch.Generator().manual_seed(7)
    x_s = torch.randn(6, 12, generator=generator, dtype=torch.float64)
    x_t = torch.randn(6, 12, generator=generator, dtype=torch.float64) * 2
    x_s[0] = 0.0
    x_s[1] *= 1e-7
    floor = 1e-3
    weights = torch.randn(6, 1, generator=generator, dtype=torch.float64)
    results = {}
    for value in (0.0, floor):
        s = x_s.clone().requires_grad_()
        r, = pearson(s, x_t, [(1, )], EPS, norm_floor=value)
        grad, = torch.autograd.grad((r * weights).sum(), s)
        results[value] = r.detach(), grad
    assert torch.equal(results[0.0][0], results[floor][0])
    assert torch.equal(results[0.0][1][2:], results[floor][1][2:])
    # the formula's gradient (plain autograd) times the taper
    s = x_s[..., None].clone().requires_grad_()
    r, = plain_pearson(s, x_t[..., None], [(1, )], None, 1.0, None)
    expected, = torch.autograd.grad((r[..., 0] * weights).sum(), s)
    norms = [(x - x.mean(-1, keepdim=True)).norm(dim=-1, keepdim=True)
             for x in (x_s, x_t)]
    taper = (norms[0] / (floor * norms[1])).clamp(max=1).square()
    torch.testing.assert_close(results[floor][1], expected[..., 0] * taper,
                               rtol=1e-9, atol=1e-15)
    assert torch.equal(results[floor][1][0], torch.zeros(12,
                                                         dtype=torch.float64))
    assert results[0.0][1][0].norm() > 1e7  # b / eps
