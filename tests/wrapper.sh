#!/bin/sh
# Runs one compiled test; under valgrind when VALGRIND=1 (never on a sanitizer build,
# where valgrind cannot run).
if [ "${VALGRIND:-0}" = 1 ] && [ "${SANITIZERS:-no}" != yes ]; then
	exec valgrind --quiet --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite "$@"
fi
exec "$@"
