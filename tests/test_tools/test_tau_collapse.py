"""tools/experiments/tau_collapse.py, reduced: a subset of the digits, one
seed, two epochs."""
import json
import sys

from helpers import REPO_ROOT, run_command


def test_runs_every_variant_and_writes_the_table(tmp_path):
    work_dir = tmp_path / 'tau'
    result = run_command([
        sys.executable, '-m', 'tools.experiments.tau_collapse', '--work-dir',
        str(work_dir), '--epochs', '2', '--teacher-epochs', '2', '--limit',
        '300', '--seeds', '0'
    ], cwd=REPO_ROOT, timeout=900)
    results = json.loads((work_dir / 'results.json').read_text())
    names = [row['name'] for row in results['rows']]
    assert names[0] == 'DIST tau 4, w 2 (x32)' and len(names) == 10
    table = (work_dir / 'table.md').read_text()
    for row in results['rows']:
        assert len(row['values']) == 1 and 0 <= row['values'][0] <= 100
        assert set(row['warned']) == {'0'}
        assert row['name'] in table
    # every run measured every iteration (2 epochs of 2 batches)
    log = next((work_dir / 'dist_tau_4_w_2_x32' / 'seed0').glob(
        '*/vis_data/scalars.json'))
    iters = [json.loads(line)['iter'] for line in log.read_text().splitlines()
             if 'diag/grad.fc.ratio' in line]
    assert iters == [1, 2, 3, 4]
    # the warm-up variant ran DistillLossWarmupHook
    warmup = (work_dir / 'dist_tau_4_w_2_warm_up_20_ep' / 'seed0' /
              'demo_train.log').read_text()
    assert 'DistillLossWarmupHook: epoch 1, x0.05' in warmup
    for group in ('losses', 'agreement', 'kl_entropy', 'grads'):
        assert (work_dir / 'plots' / f'distill_{group}.png').exists()
    assert 'Written: table.md' in result.stdout
