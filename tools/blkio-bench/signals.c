/* SPDX-License-Identifier: MIT OR Apache-2.0 */
#include <pthread.h>
#include <string.h>

#include "scratch.h"
#include "signals.h"
#include "util.h"

static const int handled[] = { SIGINT, SIGTERM, SIGHUP };

static volatile sig_atomic_t running;
static volatile sig_atomic_t stop_requested;

static void handler(int sig)
{
	if (running && !stop_requested) {
		stop_requested = 1;
		return;
	}
	/* Still blocked in here: the re-raised signal kills on return. */
	scratch_remove();
	signal(sig, SIG_DFL);
	raise(sig);
}

void signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		sigaddset(&sa.sa_mask, handled[i]);
	for (size_t i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		if (sigaction(handled[i], &sa, NULL) < 0)
			die("sigaction failed");
}

void signals_set_running(bool on)
{
	running = on;
}

bool signals_stop_requested(void)
{
	return stop_requested;
}

void signals_block(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		sigaddset(&set, handled[i]);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

void signals_restore(const sigset_t *old)
{
	pthread_sigmask(SIG_SETMASK, old, NULL);
}
