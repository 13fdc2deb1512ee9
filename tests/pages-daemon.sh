#!/bin/sh
# pages-daemon: the real newswatchd against the fixture server (pages-daemon.py):
# autodiscovery, listings, full_text, robots.txt, the address rule.
exec "${PYTHON3:-python3}" "${top_srcdir:-.}/tests/pages-daemon.py"
