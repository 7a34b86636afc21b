"""DISTLoss(global_intra=True) in 2 processes (gloo) against one process
on the concatenated batch."""
import os.path as osp

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from dist_kd_mm import DISTLoss

WORLD = 2


def full_batch(case: str):
    """(student, teacher, labels or None, per-rank row slices)."""
    generator = torch.Generator().manual_seed(7)
    if case == 'rows':  # 2-D logits, 6 rows per process
        shape, splits = (12, 10), (6, 6)
    elif case == 'uneven':  # 5 and 7 RoIs
        shape, splits = (12, 10), (5, 7)
    else:  # dense maps, one image per process
        shape, splits = (2, 5, 4, 6), (1, 1)
    student = torch.randn(shape, generator=generator) * 3
    teacher = torch.randn(shape, generator=generator) * 3
    labels = None
    if case == 'dense_ignore':
        labels = torch.randint(0, 5, (2, 4, 6), generator=generator)
        labels[0, :2] = 255
        labels[1, :, :3] = 255
    bounds = torch.tensor((0, ) + splits).cumsum(0).tolist()
    slices = [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]
    return student, teacher, labels, slices


def loss_options(case: str) -> dict:
    # unequal rows: the inter-class mean of means is not the global mean,
    # so only the intra-class relation is compared
    inter = 0.0 if case == 'uneven' else 1.0
    return dict(inter_loss_weight=inter, intra_loss_weight=1.5, tau=2.0,
                loss_weight=2.0)


def worker(rank: int, init_file: str, out_dir: str, cases: list) -> None:
    dist.init_process_group('gloo', init_method=f'file://{init_file}',
                            rank=rank, world_size=WORLD)
    try:
        results = {}
        for case in cases:
            student, teacher, labels, slices = full_batch(case)
            local = student[slices[rank]].clone().requires_grad_()
            local_labels = None if labels is None else labels[slices[rank]]
            loss = DISTLoss(global_intra=True, **loss_options(case))(
                local, teacher[slices[rank]], local_labels)
            loss.backward()
            results[case] = (loss.detach(), local.grad)
        try:  # classes differ across processes
            DISTLoss(global_intra=True)(torch.randn(4, 3 + rank),
                                        torch.randn(4, 3 + rank))
            results['mismatch'] = ''
        except ValueError as error:
            results['mismatch'] = str(error)
        torch.save(results, osp.join(out_dir, f'rank{rank}.pt'))
    finally:
        dist.destroy_process_group()


CASES = ['rows', 'uneven', 'dense', 'dense_ignore']


@pytest.fixture(scope='module')
def two_process_results(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp('global_intra')
    mp.spawn(worker, args=(str(out_dir / 'init'), str(out_dir), CASES),
             nprocs=WORLD, join=True)
    return [torch.load(out_dir / f'rank{rank}.pt') for rank in range(WORLD)]


@pytest.mark.parametrize('case', CASES)
def test_global_intra_matches_one_process_on_the_whole_batch(
        case, two_process_results):
    student, teacher, labels, slices = full_batch(case)
    student.requires_grad_()
    expected = DISTLoss(**loss_options(case))(student, teacher, labels)
    expected.backward()
    results = [r[case] for r in two_process_results]
    losses = [loss for loss, _ in results]
    # what mmengine logs after averaging over processes
    torch.testing.assert_close(sum(losses) / WORLD, expected.detach(),
                               rtol=1e-5, atol=1e-6)
    for rank, (_, grad) in enumerate(results):
        # DDP averages the processes' gradients
        torch.testing.assert_close(grad / WORLD,
                                   student.grad[slices[rank]], rtol=1e-4,
                                   atol=1e-7)
    # and the per-GPU loss (the paper's) is another value
    per_gpu = [DISTLoss(**loss_options(case))(
        student[s].detach(), teacher[s],
        None if labels is None else labels[s]) for s in slices]
    assert abs(float(sum(per_gpu)) / WORLD - float(expected)) > 1e-3


def test_shapes_that_differ_beyond_the_rows_are_named(two_process_results):
    for result in two_process_results:
        assert 'differ across processes' in result['mismatch']
        # (N, anchors, classes, positions) of each process
        assert '(4, 1, 3, 1)' in result['mismatch']
        assert '(4, 1, 4, 1)' in result['mismatch']


def test_global_intra_is_plain_dist_in_one_process():
    generator = torch.Generator().manual_seed(3)
    student = torch.randn(8, 10, generator=generator)
    teacher = torch.randn(8, 10, generator=generator)
    assert torch.equal(DISTLoss(global_intra=True)(student, teacher),
                       DISTLoss()(student, teacher))
    with pytest.raises(ValueError, match='exclude each other'):
        DISTLoss(global_intra=True, intra_per_image=True)
