# DIST+ (Huang et al., TPAMI 2025) on top of a DIST Cityscapes config: a
# leaf lists its DIST sibling and this file as bases and merges
#   model = dict(distiller=_base_.dist_plus_distiller)
# The paper's segmentation setting: every weight 1 (the channel and spatial
# relations of ../../_base_/dist_plus_feature.py; the DIST base keeps its
# logit losses). The feature tap is this project's choice, the paper does
# not name one: the output of the backbone's last stage (layer4, 1/8
# resolution in the -D8 models), the student's 512 channels mapped to the
# teacher's 2048. No teacher acclimation (see docs/losses.md).
_base_ = '../../_base_/dist_plus_feature.py'

dist_plus_distiller = dict(connectors=dict(feature_s=dict(out_channel=2048)))
