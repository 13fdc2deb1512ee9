/*
 * curl-backend: a small libcurl multi handle on a libevent base (after curl's
 * hiperfifo.c) backing struct plugin_backend in the tests, with a clock the test
 * sets. The daemon backs the same interface with src/http.h.
 */
#ifndef NW_CURL_BACKEND_H
#define NW_CURL_BACKEND_H

#include <stdint.h>

#include "plugin.h"

struct curl_backend;

struct curl_backend *curl_backend_new(struct event_base *);
void		 curl_backend_free(struct curl_backend *);
/* Fill in a plugin_backend that runs on this one. */
void		 curl_backend_fill(struct curl_backend *, struct plugin_backend *);
/* Fix the clock (Unix milliseconds); 0 returns to the real time. */
void		 curl_backend_set_now(struct curl_backend *, int64_t);
/* Transfers running. */
unsigned	 curl_backend_running(struct curl_backend *);

#endif
