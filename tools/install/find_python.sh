#!/usr/bin/env bash
# Print the path of the Python interpreter NAME (e.g. python3.12).
#
# NAME itself when it runs; otherwise the newest pyenv installation of it:
# pyenv's shim runs only the selected versions, so `python3.12` fails where
# 3.12 is installed but 3.11 is the global one.
#
# Usage: find_python.sh NAME
set -euo pipefail
name=${1:?usage: find_python.sh NAME}
if "$name" -c 'import sys' >/dev/null 2>&1; then
    "$name" -c 'import sys; print(sys.executable)'
    exit 0
fi
root=$(pyenv root 2>/dev/null || true)
if [ -n "$root" ]; then
    found=$(ls -d "$root"/versions/*/bin/"$(basename "$name")" 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$found" ]; then
        echo "$found"
        exit 0
    fi
fi
echo "find_python.sh: error: no Python interpreter '$name' on PATH or among pyenv's versions;" \
    "install it or pass PYTHON=/path/to/python" >&2
exit 1
