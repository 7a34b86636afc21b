"""tools/analysis_tools/benchmark_step.py names configs that exist."""
import os.path as osp

from helpers import load_tool


def test_every_case_names_an_existing_config():
    tool = load_tool('analysis_tools/benchmark_step.py')
    assert len(tool.CASES) == 6
    for case in tool.CASES.values():
        assert osp.isfile(osp.join(tool.REPO_ROOT, case['config'])), case
