"""Dataset helpers."""
from .digits import export_digits

__all__ = ['export_digits']
