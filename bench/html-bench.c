/*
 * html-bench: pages extracted per second and MB/s on the layout set, one core.
 * Usage: html-bench DIR [SECONDS]. Loads the .html files of DIR, then runs for
 * SECONDS (default 3; best of five rounds, the machine being shared): the
 * baseline, libxml2's htmlReadMemory + xmlFreeDoc alone; html_extract (parse,
 * metadata, scoring, text); html_discover_feeds; the heuristic html_list_links.
 * The layout pages are small (a few KB), so the baseline and html_extract then
 * run on one page of realistic size: the first page padded with a 100 KB
 * script, 400 related links and 300 comments (168 KB). One line per run.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/HTMLparser.h>

#include "html.h"
#include "xmalloc.h"

struct page {
	char	*buf;
	size_t	 len;
};

static struct page pages[257];
static size_t npages;

/* Load every .html file of a directory. */
static void
load(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];
	FILE *f;

	if (d == NULL) {
		perror(dir);
		exit(2);
	}
	while ((e = readdir(d)) != NULL && npages < 256) {
		size_t n = strlen(e->d_name);

		if (n < 6 || strcmp(e->d_name + n - 5, ".html") != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if ((f = fopen(path, "rb")) == NULL)
			continue;
		fseek(f, 0, SEEK_END);
		pages[npages].len = (size_t)ftell(f);
		rewind(f);
		pages[npages].buf = xmalloc(pages[npages].len + 1);
		if (fread(pages[npages].buf, 1, pages[npages].len, f) == pages[npages].len)
			npages++;
		fclose(f);
	}
	closedir(d);
}

/* Append to a growing page. */
static void
add(struct page *p, const char *s, size_t n)
{
	p->buf = xrealloc(p->buf, p->len + n + 1);
	memcpy(p->buf + p->len, s, n);
	p->len += n;
	p->buf[p->len] = '\0';
}

/* A page of realistic size built around the first page's body. */
static struct page
big_page(void)
{
	struct page p = { NULL, 0 };
	const char *body = strstr(pages[0].buf, "<body");
	char line[256];

	add(&p, pages[0].buf, body != NULL ? (size_t)(body - pages[0].buf) :
	    pages[0].len);
	add(&p, "<body><script>", 14);
	for (int i = 0; i < 2000; i++)
		add(&p, "var a = document.getElementById('x'); a.value += 1;\n", 50);
	add(&p, "</script><div class=\"related\"><ul>", 35);
	for (int i = 0; i < 400; i++) {
		int n = snprintf(line, sizeof line, "<li><a href=\"/news/2026/%02d/"
		    "story-number-%d\">Story number %d of the day's news</a></li>",
		    i % 12 + 1, i, i);
		add(&p, line, (size_t)n);
	}
	add(&p, "</ul></div>", 11);
	if (body != NULL)
		add(&p, body + 6, strlen(body + 6));
	for (int i = 0; i < 300; i++)
		add(&p, "<div class=\"comment\"><p>I could not agree more with "
		    "this, what a great article, thank you.</p></div>", 98);
	return p;
}

/* Seconds on the monotonic clock. */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Baseline: parse and free one page. */
static void
run_parse(const struct page *p)
{
	xmlFreeDoc(htmlReadMemory(p->buf, (int)p->len, "https://example.com/a", NULL,
	    HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
	    HTML_PARSE_RECOVER | HTML_PARSE_COMPACT));
}

/* Extract one page's article. */
static void
run_extract(const struct page *p)
{
	html_article_free(html_extract(p->buf, p->len, "https://example.com/a", NULL));
}

/* Find one page's feed links. */
static void
run_discover(const struct page *p)
{
	html_strings_free(html_discover_feeds(p->buf, p->len, "https://example.com/a",
	    NULL));
}

/* List one page's article links with the heuristic. */
static void
run_links(const struct page *p)
{
	struct html_link *l;
	char *cause = NULL;
	size_t n;

	if (html_list_links(p->buf, p->len, "https://example.com/a", NULL, NULL, NULL,
	    &l, &n, &cause) == 0)
		html_links_free(l, n);
	free(cause);
}

/* One timed round of fn over the set for about secs seconds; pages per second. */
static double
round_of(void (*fn)(const struct page *), double secs, double *mbs)
{
	double start = now(), el;
	size_t done = 0, bytes = 0;

	do {
		for (size_t i = 0; i < npages; i++) {
			fn(&pages[i]);
			bytes += pages[i].len;
		}
		done += npages;
	} while ((el = now() - start) < secs);
	*mbs = (double)bytes / el / 1e6;
	return (double)done / el;
}

/* The best of five rounds (the machine is shared); print pages/s and MB/s. */
static double
bench(const char *name, void (*fn)(const struct page *), double secs)
{
	double best = 0, best_mbs = 0, rate, mbs;

	for (int r = 0; r < 5; r++)
		if ((rate = round_of(fn, secs / 5, &mbs)) > best) {
			best = rate;
			best_mbs = mbs;
		}
	printf("%-28s %9.0f pages/s %8.1f MB/s\n", name, best, best_mbs);
	return best;
}

int
main(int argc, char **argv)
{
	double secs = argc > 2 ? atof(argv[2]) : 3, base, full;
	size_t total = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: html-bench DIR [SECONDS]\n");
		return 2;
	}
	load(argv[1]);
	if (npages == 0) {
		fprintf(stderr, "html-bench: no .html files in %s\n", argv[1]);
		return 2;
	}
	for (size_t i = 0; i < npages; i++)
		total += pages[i].len;
	printf("%zu pages, %zu bytes (mean %zu bytes), %.0f s per run, one core\n",
	    npages, total, total / npages, secs);
	base = bench("baseline: htmlReadMemory", run_parse, secs);
	full = bench("html_extract", run_extract, secs);
	bench("html_discover_feeds", run_discover, secs);
	bench("html_list_links (heuristic)", run_links, secs);
	printf("extraction costs %.1fx a bare parse\n", base / full);
	pages[npages] = big_page();
	for (size_t i = 0; i < npages; i++)
		free(pages[i].buf);
	pages[0] = pages[npages];
	printf("one page of %zu bytes:\n", pages[0].len);
	npages = 1;
	base = bench("baseline: htmlReadMemory", run_parse, secs);
	full = bench("html_extract", run_extract, secs);
	printf("extraction costs %.1fx a bare parse\n", base / full);
	free(pages[0].buf);
	xmlCleanupParser();
	return 0;
}
