"""The compiled CPU kernel of the DIST relations (dist_kd_mm._ext) against
the torch-ops implementation, which the loss tests check against the
formula."""
import itertools

import pytest
import torch

from dist_kd_mm.models.losses.dist_relation import DISTRelationFunction
from dist_kd_mm.ops import compiled_kernel_available, dist_relations_compiled

# (N, C, P): rows, a small dense map, and a map of several 65536-element
# chunks whose chunk boundaries fall inside an image.
SHAPES = [(33, 10, 1), (3, 7, 40), (2, 19, 4000)]
SETTINGS = [  # tau, inter weight, intra weight
    (1.0, 1.0, 1.0), (4.0, 2.0, 0.5), (2.0, 0.0, 1.0), (1.0, 1.0, 0.0)
]


CONSTANT_CLASS = 1


def make_inputs(shape, seed, dtype=torch.float64, masked=False,
                degenerate=True):
    generator = torch.Generator().manual_seed(seed)
    logits_s = torch.randn(shape, generator=generator, dtype=dtype) * 3
    logits_t = torch.randn(shape, generator=generator, dtype=dtype) * 3
    if degenerate:
        logits_s[0, :, 0] = 0.5  # a uniform student instance (zero norm)
        # a constant teacher class (a constant column under sigmoid)
        logits_t[:, CONSTANT_CLASS] = -1.0
    mask = None
    if masked:
        num, _, positions = shape
        mask = (torch.rand(num, 1, positions, generator=generator) > 0.3)
        mask[-1] = False  # an image without valid positions
        mask = mask.to(dtype)
    return logits_s, logits_t, mask


def value_and_grad(function, logits_s, logits_t, *args):
    student = logits_s.clone().requires_grad_()
    value = function(student, logits_t, *args)
    value.backward()
    return value.detach(), student.grad


def test_the_extension_is_built():
    assert compiled_kernel_available()
    from dist_kd_mm import _ext
    assert callable(_ext.dist_relations_cpu)


@pytest.mark.parametrize(
    'shape,setting,activation,per_image,masked',
    list(itertools.product(SHAPES, SETTINGS, ['softmax', 'sigmoid'],
                           [False, True], [False, True])))
def test_matches_the_torch_ops_implementation(shape, setting, activation,
                                              per_image, masked):
    logits_s, logits_t, mask = make_inputs(shape, 0, masked=masked)
    tau, inter, intra = setting
    args = (tau, inter, intra, 1e-8, activation, per_image, mask)
    value, grad = value_and_grad(dist_relations_compiled, logits_s, logits_t,
                                 *args)
    expected, expected_grad = value_and_grad(DISTRelationFunction.apply,
                                             logits_s, logits_t, *args)
    torch.testing.assert_close(value, expected, rtol=1e-10, atol=1e-12)
    # relative: per-image groups of P = 1 are single instances (|a| = 0,
    # D = eps), their gradients are of order 1/eps
    others = torch.arange(shape[1]) != CONSTANT_CLASS
    torch.testing.assert_close(grad[:, others], expected_grad[:, others],
                               rtol=1e-7, atol=1e-10)
    # under sigmoid the constant teacher class is a constant column: its
    # centred values are rounding residues, amplified by alpha = -w/(K eps)
    # in both implementations
    loose = 1e-7 if activation == 'sigmoid' else 1e-10
    torch.testing.assert_close(grad[:, CONSTANT_CLASS],
                               expected_grad[:, CONSTANT_CLASS], rtol=1e-7,
                               atol=loose)


def test_float32_input_gives_float32_results_close_to_float64():
    logits_s, logits_t, mask = make_inputs((4, 19, 300), 1, masked=True)
    args = (2.0, 1.0, 1.0, 1e-8, 'softmax', False, mask)
    value64, grad64 = value_and_grad(dist_relations_compiled, logits_s,
                                     logits_t, *args)
    value32, grad32 = value_and_grad(dist_relations_compiled,
                                     logits_s.float(), logits_t.float(),
                                     *args[:-1], mask.float())
    assert value32.dtype == grad32.dtype == torch.float32
    torch.testing.assert_close(value32.double(), value64, rtol=1e-6,
                               atol=1e-7)
    torch.testing.assert_close(grad32.double(), grad64, rtol=1e-4,
                               atol=1e-8)


def test_the_thread_count_does_not_change_a_bit():
    logits_s, logits_t, mask = make_inputs((2, 19, 9000), 2,
                                           dtype=torch.float32, masked=True)
    threads = torch.get_num_threads()
    results = []
    try:
        for count in (1, 2, 3):
            torch.set_num_threads(count)
            results.append(value_and_grad(dist_relations_compiled, logits_s,
                                          logits_t, 1.0, 1.0, 1.0, 1e-8,
                                          'softmax', False, mask))
    finally:
        torch.set_num_threads(threads)
    for value, grad in results[1:]:
        assert torch.equal(value, results[0][0])
        assert torch.equal(grad, results[0][1])


@pytest.mark.parametrize('per_image', [False, True])
@pytest.mark.parametrize('activation', ['softmax', 'sigmoid'])
def test_gradcheck(per_image, activation):
    # no uniform instance: |a| = 0 is a kink of the norm
    logits_s, logits_t, mask = make_inputs((3, 5, 4), 3, masked=True,
                                           degenerate=False)
    mask[0] = 1.0
    assert torch.autograd.gradcheck(
        lambda s: dist_relations_compiled(s, logits_t, 2.0, 1.0, 1.5, 1e-8,
                                          activation, per_image, mask),
        (logits_s.requires_grad_(), ))


def test_the_teacher_gets_no_gradient():
    logits_s, logits_t, _ = make_inputs((6, 5, 1), 4)
    student = logits_s.requires_grad_()
    value = dist_relations_compiled(student, logits_t, 1.0, 1.0, 1.0, 1e-8,
                                    'softmax', False, None)
    grads = torch.autograd.grad(value, student)
    assert grads[0].abs().sum() > 0


@pytest.mark.parametrize('logits_s,logits_t,mask,message', [
    (torch.zeros(4, 5), torch.zeros(4, 5), None, r'\(N, C, P\)'),
    (torch.zeros(4, 5, 1), torch.zeros(4, 6, 1), None, 'of one shape'),
    (torch.zeros(4, 5, 1), torch.zeros(4, 5, 1).double(), None,
     'of one dtype'),
    (torch.zeros(4, 5, 1, dtype=torch.bfloat16),
     torch.zeros(4, 5, 1, dtype=torch.bfloat16), None, 'float32 or float64'),
    (torch.zeros(4, 5, 3), torch.zeros(4, 5, 3), torch.ones(4, 1, 2),
     'mask must hold N\\*P = 12 values'),
])
def test_bad_input_is_named(logits_s, logits_t, mask, message):
    with pytest.raises(RuntimeError, match=message):
        dist_relations_compiled(logits_s, logits_t, 1.0, 1.0, 1.0, 1e-8,
                                'softmax', False, mask)
