"""The pinned requirements that tools/install/prepare_offline.sh carries.

Reads the report of ``pip install --dry-run --report`` (the whole
resolution of the package's requirements for the target Python) and prints
``name==version`` for every package that is reachable from the requested
ones without passing through the scientific stack that a machine with torch
is expected to have (EXPECTED below; install_offline.sh checks it): so
numpy, matplotlib's own dependencies and pandas's are left out, and every
package that this package's stack needs besides them is in.

Usage: python offline_requirements.py REPORT.json
"""
import json
import re
import sys

# what a machine with torch is expected to have; install_offline.sh names
# the missing ones
EXPECTED = {'torch', 'torchvision', 'numpy', 'scipy', 'matplotlib',
            'opencv-python', 'pillow', 'pandas', 'pytest'}


def canonical(name: str) -> str:
    return re.sub(r'[-_.]+', '-', name).lower()


def requirement_names(metadata: dict) -> list:
    """The distributions a package requires, without extras' ones."""
    names = []
    for requirement in metadata.get('requires_dist') or []:
        if 'extra ==' in requirement.replace('"', ' ').replace("'", ' '):
            continue
        names.append(canonical(re.split(r'[\s;<>=!~\[(]', requirement)[0]))
    return names


def carried(report: dict) -> list:
    items = {canonical(item['metadata']['name']): item
             for item in report['install']}
    todo = [name for name, item in items.items() if item.get('requested')]
    kept = set()
    while todo:
        name = todo.pop()
        if name in kept or name in EXPECTED or name not in items:
            continue
        kept.add(name)
        todo += requirement_names(items[name]['metadata'])
    return sorted(f"{name}=={items[name]['metadata']['version']}"
                  for name in kept)


if __name__ == '__main__':
    with open(sys.argv[1]) as f:
        print('\n'.join(carried(json.load(f))))
