#!/usr/bin/env bash
# meson test --wrapper: run a test under valgrind memcheck; any error fails
# it.  Exit status 77 (skip) passes through.  valgrind.supp beside this
# script lists the reports that are valgrind's own mistakes.
exec valgrind --quiet --error-exitcode=99 --leak-check=full \
	--suppressions="$(dirname "$0")/valgrind.supp" \
	--errors-for-leak-kinds=definite --show-leak-kinds=definite \
	--trace-children=no --track-fds=no "$@"
