#!/usr/bin/env bash
# meson test --wrapper: run a test under valgrind memcheck; any error fails
# it.  Exit status 77 (skip) passes through.
exec valgrind --quiet --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite --show-leak-kinds=definite \
	--trace-children=no --track-fds=no "$@"
