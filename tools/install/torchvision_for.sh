#!/usr/bin/env bash
# Print the torchvision release that pairs with torch TORCH, as a pip version.
#
# Up to torch 2.14 torchvision's minor version is torch's plus 15 (2.11 ->
# 0.26, 2.14 -> 0.29). torch 2.15 broke the rule: the registry has no
# torchvision 0.30, and torchvision 0.29.2 is the build for it (CUDA 13.2
# like torch 2.15.0; its ops ran with torch 2.15.0 here).
#
# Usage: torchvision_for.sh TORCH
set -euo pipefail
torch=${1:?usage: torchvision_for.sh TORCH}
IFS=. read -r major minor _ <<<"$torch"
case "$major.$minor" in
    2.14) echo 0.29.1 ;;
    2.15) echo 0.29.2 ;;
    2.*) echo "0.$((minor + 15)).*" ;;
    *) echo "torchvision_for.sh: error: no torchvision known for torch $torch; pass TORCHVISION=" >&2; exit 1 ;;
esac
