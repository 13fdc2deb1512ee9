#!/bin/sh
# ops: admin (/healthz, /metrics), status, source enable and import-opml against
# the real daemon and CLI (ops-test.py).
if ! grep -q '^#define HAVE_SYSTEMD 1' "${top_builddir:-.}/config.h" 2>/dev/null; then
	echo "1..0 # SKIP built without libsystemd: no sd_notify"
	exit 0
fi
if ! command -v curl >/dev/null 2>&1; then
	echo "1..0 # SKIP no curl(1)"
	exit 0
fi
exec "${PYTHON3:-python3}" "${top_srcdir:-.}/tests/ops-test.py"
