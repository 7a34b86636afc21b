"""Version of the dist_kd_mm package."""

__version__ = '0.1.0'
