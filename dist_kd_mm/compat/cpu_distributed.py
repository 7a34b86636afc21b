"""``--launcher pytorch`` on machines without CUDA."""
import torch
from mmengine.config import Config


def setup_cpu_distributed(cfg: Config) -> None:
    """Make ``--launcher pytorch`` work on machines without CUDA.

    mmengine 0.10.7 calls ``torch.cuda.set_device`` when it starts the
    process group and wraps the model in DDP with ``device_ids=[LOCAL_RANK]``,
    both of which fail for a CPU model. Without CUDA this starts the process
    group itself with the gloo backend (mmengine then skips its own start)
    and wraps the model with ``device_ids=None``. With CUDA nothing changes.
    """
    if cfg.launcher != 'pytorch' or torch.cuda.is_available():
        return
    import torch.distributed as dist
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    wrapper = cfg.get('model_wrapper_cfg', None) or dict(
        type='MMDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
