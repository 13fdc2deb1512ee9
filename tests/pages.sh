#!/bin/sh
# pages: the real newswatchd against the fixture server (pages-test.py):
# autodiscovery, listings, full_text, robots.txt, the address rule.
exec "${PYTHON3:-python3}" "${top_srcdir:-.}/tests/pages-test.py"
