#!/bin/sh
# pipeline: the real newswatchd against the fixture server (pipeline-test.py).
if ! grep -q '^#define HAVE_SYSTEMD 1' "${top_builddir:-.}/config.h" 2>/dev/null; then
	echo "1..0 # SKIP built without libsystemd: no sd_notify"
	exit 0
fi
exec "${PYTHON3:-python3}" "${top_srcdir:-.}/tests/pipeline-test.py"
