#!/bin/sh
# e2e: the whole daemon end to end (e2e-test.py): fixture feeds, the aggregator,
# a listing page with its article pages, webhook and email alerts, reload,
# restart, metrics, health.
if ! grep -q '^#define HAVE_SYSTEMD 1' "${top_builddir:-.}/config.h" 2>/dev/null; then
	echo "1..0 # SKIP built without libsystemd: no sd_notify"
	exit 0
fi
py=${PYTHON3:-python3}
if ! "$py" -c 'import aiosmtpd' 2>/dev/null; then
	echo "1..0 # SKIP $py cannot import aiosmtpd (python3-aiosmtpd)"
	exit 0
fi
if [ ! -f "${top_builddir:-.}/src/plugins/.libs/webhook.so" ] ||
   [ ! -f "${top_builddir:-.}/src/plugins/.libs/email.so" ]; then
	echo "1..0 # SKIP the webhook and email plugins are not built"
	exit 0
fi
exec "$py" "${top_srcdir:-.}/tests/e2e-test.py"
