"""Classification heads that mmpretrain lacks."""
from .dropout_linear_head import DropoutLinearClsHead

__all__ = ['DropoutLinearClsHead']
