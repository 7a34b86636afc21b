"""`make lint` (ruff with the project's pyproject.toml) enforces
pycodestyle's blank-line rules, as OpenMMLab's flake8 pre-commit does."""
import sys

from helpers import REPO_ROOT, run_command

BAD = '''import os


def first():
    return os.sep



def second():
    return 1
def third():
    return 2
'''


def test_blank_line_rules_are_enforced(tmp_path):
    source = tmp_path / 'blank_lines.py'
    source.write_text(BAD)
    result = run_command(
        [sys.executable, '-m', 'ruff', 'check', '--no-cache',
         '--output-format', 'concise', '--config',
         f'{REPO_ROOT}/pyproject.toml', str(source)],
        cwd=str(tmp_path), expected_returncode=1)
    # ruff names a rule by its code or, in newer releases, its name
    for code, name in (('E303', 'too-many-blank-lines'),
                       ('E302', 'blank-lines-top-level')):
        assert code in result.stdout or name in result.stdout, code
