"""How far a teacher's predictions are from its students', on a validation set.

    python tools/analysis_tools/teacher_student_discrepancy.py \\
        --teacher CONFIG CHECKPOINT \\
        --student NAME CONFIG CHECKPOINT [--student NAME CONFIG CHECKPOINT] \\
        [--data-root DIR] [--tau 1.0] [--out-dir work_dirs/discrepancy]

The DIST paper's diagnostic of why exact matching (KL) fails with a much
stronger teacher: for each student, over the validation set of the
teacher's config, with ``p = softmax(logits / tau)``,

* ``KL``: mean over images of KL(p_teacher || p_student);
* ``inter``: mean over images of the Pearson correlation of the two
  probability vectors (the inter-class relation DIST keeps);
* ``intra``: mean over classes of the Pearson correlation of that class's
  probabilities over all images (the intra-class relation);
* top-1 agreement (the two predict the same class), and each model's top-1;

also per ground-truth class (agreement, KL, the student's top-1). Prints the
tables and writes ``discrepancy.json`` and ``discrepancy.png`` (per-class
agreement and KL of every student) to ``--out-dir``.

Configs are mmpretrain classification configs, or distillation configs
(their ``architecture`` is the student, their ``teacher`` the teacher).
Checkpoints are plain ones or distillation checkpoints, whose
``architecture.`` (student) or ``teacher.`` (teacher) weights are used; every
weight of the model must be in the file.
"""
import argparse
import json
import os
import os.path as osp
import sys

import torch

import dist_kd_mm  # noqa: F401  (registers the package; before mmrazor)
from dist_kd_mm.models.losses.pearson import pearson

PREFIXES = {'student': ('', 'architecture.', 'module.'),
            'teacher': ('', 'teacher.', 'module.')}
ROWS, COLUMNS = (1, ), (0, )  # groupings of (N, C): per image, per class


def model_config(cfg, role: str):
    """The classifier's model config: a distillation config's student
    (``architecture``) or teacher, else the config's model."""
    from mmengine.config import Config
    model = cfg.model
    if 'architecture' in model:
        model = model.architecture if role == 'student' else model.teacher
    if 'cfg_path' in model:  # teacher=dict(cfg_path='pkg::...')
        from mmengine.hub import get_config
        model = get_config(model.cfg_path).model
    return Config(dict(model=model)).model


def load_weights(model: torch.nn.Module, path: str, role: str) -> None:
    """Load ``path`` into ``model``, the first prefix of ``role``'s under
    which the file has every weight of the model."""
    checkpoint = torch.load(path, map_location='cpu', weights_only=False)
    state = checkpoint.get('state_dict', checkpoint)
    expected = set(model.state_dict())
    for prefix in PREFIXES[role]:
        found = {k[len(prefix):]: v for k, v in state.items()
                 if k.startswith(prefix)}
        if expected <= set(found):
            model.load_state_dict({k: found[k] for k in expected})
            return
    missing = sorted(expected - set(state))[:5]
    raise KeyError(
        f'{role} checkpoint {path!r} does not hold every weight of the '
        f'{role} under any of the prefixes {PREFIXES[role]}; e.g. {missing} '
        f'are missing (first keys of the file: {list(state)[:5]}). A lean '
        'distillation checkpoint has no teacher: pass the teacher file.')


def build(config: str, checkpoint: str, role: str):
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS
    cfg = Config.fromfile(config)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(model_config(cfg, role))
    load_weights(model, checkpoint, role)
    return model.eval()


@torch.no_grad()
def collect_logits(models: list, cfg, data_root) -> tuple:
    """Every model's logits on the validation set of ``cfg`` (each through
    its own data preprocessor), and the labels."""
    from mmengine.registry import DefaultScope
    from mmengine.runner import Runner
    loader_cfg = cfg.val_dataloader
    if data_root is not None:
        loader_cfg.dataset.data_root = data_root
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        loader = Runner.build_dataloader(loader_cfg)
    logits = [[] for _ in models]
    labels = []
    for batch in loader:
        for index, model in enumerate(models):
            data = model.data_preprocessor(batch, False)
            logits[index].append(model(data['inputs'], mode='tensor'))
        labels += [int(s.gt_label[0]) for s in batch['data_samples']]
    return [torch.cat(x).double() for x in logits], torch.tensor(labels)


def discrepancy(logits_t: torch.Tensor, logits_s: torch.Tensor,
                labels: torch.Tensor, tau: float) -> dict:
    """The measures of the module docstring for one teacher-student pair."""
    log_p_t = torch.log_softmax(logits_t / tau, dim=1)
    log_p_s = torch.log_softmax(logits_s / tau, dim=1)
    kl = (log_p_t.exp() * (log_p_t - log_p_s)).sum(1)
    inter, intra = pearson(log_p_s.exp(), log_p_t.exp(), [ROWS, COLUMNS])
    agree = (logits_t.argmax(1) == logits_s.argmax(1)).double()
    correct_s = (logits_s.argmax(1) == labels).double()
    per_class = {}
    for label in labels.unique().tolist():
        member = labels == label
        per_class[str(label)] = dict(
            images=int(member.sum()), agreement=float(agree[member].mean()),
            kl=float(kl[member].mean()),
            student_top1=100 * float(correct_s[member].mean()))
    return dict(
        kl=float(kl.mean()), inter=float(inter.mean()),
        intra=float(intra.mean()), agreement=float(agree.mean()),
        student_top1=100 * float(correct_s.mean()),
        teacher_top1=100 * float((logits_t.argmax(1) == labels)
                                 .double().mean()),
        per_class=per_class)


def plot(results: dict, path: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6), dpi=110,
                                         sharex=True)
    names = list(results)
    classes = list(results[names[0]]['per_class'])
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        xs = [c + (i - (len(names) - 1) / 2) * width
              for c in range(len(classes))]
        per_class = results[name]['per_class']
        top.bar(xs, [per_class[c]['agreement'] for c in classes], width,
                label=name)
        bottom.bar(xs, [per_class[c]['kl'] for c in classes], width)
    top.set_ylabel('top-1 agreement')
    bottom.set_ylabel('KL(teacher || student)')
    bottom.set_xticks(range(len(classes)), classes)
    bottom.set_xlabel('ground-truth class')
    top.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def print_tables(results: dict, tau: float) -> None:
    print(f'tau {tau}; KL(teacher || student); inter / intra: mean Pearson '
          'of the probabilities per image / per class')
    header = (f'{"student":<24}{"top-1":>8}{"teacher":>9}{"agree":>8}'
              f'{"KL":>9}{"inter":>8}{"intra":>8}')
    print(header + '\n' + '-' * len(header))
    for name, r in results.items():
        print(f'{name:<24}{r["student_top1"]:>8.2f}{r["teacher_top1"]:>9.2f}'
              f'{r["agreement"]:>8.3f}{r["kl"]:>9.4f}{r["inter"]:>8.3f}'
              f'{r["intra"]:>8.3f}')
    print('\nper class: agreement / KL / student top-1')
    for name, r in results.items():
        cells = '  '.join(f'{c}: {v["agreement"]:.2f}/{v["kl"]:.3f}/'
                          f'{v["student_top1"]:.0f}'
                          for c, v in r['per_class'].items())
        print(f'{name}: {cells}')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--teacher', nargs=2, metavar=('CONFIG', 'CKPT'),
                        required=True)
    parser.add_argument('--student', nargs=3, action='append',
                        metavar=('NAME', 'CONFIG', 'CKPT'), required=True)
    parser.add_argument('--data-root', default=None,
                        help="the validation set's data_root, if not the "
                        "teacher config's")
    parser.add_argument('--tau', type=float, default=1.0)
    parser.add_argument('--out-dir', default='work_dirs/discrepancy')
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    from mmengine.config import Config
    teacher = build(*args.teacher, 'teacher')
    students = {name: build(config, ckpt, 'student')
                for name, config, ckpt in args.student}
    cfg = Config.fromfile(args.teacher[0])
    logits, labels = collect_logits([teacher, *students.values()], cfg,
                                    args.data_root)
    results = {name: discrepancy(logits[0], logits[i + 1], labels, args.tau)
               for i, name in enumerate(students)}
    print_tables(results, args.tau)
    os.makedirs(args.out_dir, exist_ok=True)
    with open(osp.join(args.out_dir, 'discrepancy.json'), 'w') as f:
        json.dump(dict(tau=args.tau, images=len(labels), students=results),
                  f, indent=2)
    plot(results, osp.join(args.out_dir, 'discrepancy.png'))
    print(f'\nWritten: {args.out_dir}/discrepancy.json, discrepancy.png')
    return results


if __name__ == '__main__':
    sys.exit(main() and 0)
