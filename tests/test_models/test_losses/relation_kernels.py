"""The implementations of the DIST relations that the loss tests run on."""
KERNELS = ('compiled', 'torch-ops')
