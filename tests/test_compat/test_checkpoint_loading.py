"""torch.load(weights_only=True) reads mmengine checkpoints, nothing more."""
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

import dist_kd_mm  # noqa: F401


class NotAllowed:
    """A class that no allow-list names."""

    def __init__(self, value):
        self.value = value


def message_hub_state():
    hub = MessageHub.get_instance('dist_kd_mm_test_checkpoint')
    for step in range(3):
        hub.update_scalar('train/loss', 1.0 / (step + 1))
    hub.update_info('iter', 3)
    return hub.state_dict()


def test_mmengine_checkpoint_content_loads_weights_only(tmp_path):
    path = tmp_path / 'ckpt.pth'
    checkpoint = dict(
        meta=dict(iter=3, seed=0, dataset_meta=dict(classes=('a', 'b'))),
        state_dict=dict(weight=torch.ones(2)),
        message_hub=message_hub_state(),
        extra=dict(array=np.arange(4, dtype=np.float32),
                   scalar=np.float64(2.5), integer=np.int64(7)))
    torch.save(checkpoint, path)
    loaded = torch.load(path, weights_only=True)
    buffer = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer)
    assert buffer.current() == pytest.approx(1.0 / 3)
    np.testing.assert_array_equal(loaded['extra']['array'], np.arange(4))
    assert loaded['extra']['scalar'] == 2.5
    assert loaded['meta']['iter'] == 3


def test_other_globals_are_still_refused(tmp_path):
    path = tmp_path / 'unsafe.pth'
    torch.save(dict(payload=NotAllowed(1)), path)
    with pytest.raises(pickle.UnpicklingError, match='NotAllowed'):
        torch.load(path, weights_only=True)


class ReducesToGetattr:
    """Unpickles as ``getattr(np.ndarray, 'tofile')``: a method that writes
    files, reached through the getattr global that HistoryBuffer needs."""

    def __reduce__(self):
        return getattr, (np.ndarray, 'tofile')


def test_getattr_is_limited_to_history_buffer_methods(tmp_path):
    path = tmp_path / 'getattr.pth'
    torch.save(dict(payload=ReducesToGetattr()), path)
    with pytest.raises(pickle.UnpicklingError, match='HistoryBuffer methods'):
        torch.load(path, weights_only=True)
