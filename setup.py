"""Install dist_kd_mm.

Like OpenMMLab packages, the package carries ``configs/`` and ``tools/`` under
``dist_kd_mm/.mim/`` so that ``mim train dist_kd_mm CONFIG`` and
``mim test dist_kd_mm CONFIG`` find them: symlinks in an editable
(``setup.py develop``) install, copies when a wheel is built. The same
goes for ``model-index.yml``, which mmengine reads to resolve
``dist_kd_mm::<config>``.

The package is pure Python: nothing of its own is compiled.
"""
import os
import os.path as osp
import shutil
import sys

from setuptools import find_packages, setup

ROOT = osp.dirname(osp.abspath(__file__))
MIM_ITEMS = ('configs', 'tools', 'model-index.yml')


def read_version() -> str:
    namespace: dict = {}
    with open(osp.join(ROOT, 'dist_kd_mm', 'version.py')) as f:
        exec(f.read(), namespace)
    return namespace['__version__']


def read_requirements(name: str) -> list:
    with open(osp.join(ROOT, 'requirements', name)) as f:
        lines = (line.split('#')[0].strip() for line in f)
        return [line for line in lines if line]


def add_mim_extension() -> None:
    """Link (develop) or copy (build/install) MIM_ITEMS into .mim."""
    if 'develop' in sys.argv:
        mode = 'symlink'
    elif {'sdist', 'bdist_wheel', 'install', 'build'} & set(
            sys.argv) or any('wheel' in arg for arg in sys.argv):
        mode = 'copy'
    else:
        return
    mim_root = osp.join(ROOT, 'dist_kd_mm', '.mim')
    os.makedirs(mim_root, exist_ok=True)
    for item in MIM_ITEMS:
        target = osp.join(mim_root, item)
        if osp.islink(target) or osp.isfile(target):
            os.remove(target)
        elif osp.isdir(target):
            shutil.rmtree(target)
        source = osp.join(ROOT, item)
        if mode == 'symlink':
            os.symlink(osp.relpath(source, mim_root), target)
        elif osp.isdir(source):
            shutil.copytree(source, target)
        else:
            shutil.copy(source, target)


if __name__ == '__main__':
    add_mim_extension()
    setup(
        name='dist_kd_mm',
        version=read_version(),
        description='DIST knowledge distillation for OpenMMLab 2.x '
        '(mmrazor plugin)',
        long_description=open(osp.join(ROOT, 'README.md')).read(),
        long_description_content_type='text/markdown',
        packages=find_packages(include=['dist_kd_mm', 'dist_kd_mm.*']),
        include_package_data=True,
        package_data={'dist_kd_mm': ['.mim/**/*']},
        python_requires='>=3.9',
        install_requires=read_requirements('runtime.txt'),
        extras_require={'tests': read_requirements('tests.txt')},
        license='Apache License 2.0',
        zip_safe=False)
