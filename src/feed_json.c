/*
 * feed_json: JSON Feed 1.0 and 1.1 through jansson. Duplicate keys make the
 * document not well-formed (bozo): it is then read again, last key winning.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "feed_int.h"
#include "xmalloc.h"

/* A string member, cleaned and copied; NULL when absent or not a string. */
static char *
get_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		return NULL;
	return feed_text_clean_controls(json_string_value(v), json_string_length(v));
}

/* One author object {name, url}: a mailto: url is taken as the email. */
static void
add_author(struct feed_entry *e, json_t *a)
{
	char *name = get_str(a, "name"), *url = get_str(a, "url"), *email = NULL;

	if (!json_is_object(a))
		return;
	if (url != NULL && strncmp(url, "mailto:", 7) == 0) {
		email = xstrdup(url + 7);
		free(url);
		url = NULL;
	}
	if (name == NULL && email == NULL && url != NULL)
		name = xstrdup(url);
	feed_author_add(e, name, email, url);
}

/* authors (1.1) or author (1.0), from the item or else the feed. */
static void
item_authors(struct feed_entry *e, json_t *item, json_t *root)
{
	json_t *list, *a;
	size_t i;

	list = json_object_get(item, "authors");
	if (!json_is_array(list) && json_is_object(json_object_get(item, "author")))
		return add_author(e, json_object_get(item, "author"));
	if (!json_is_array(list))
		list = json_object_get(root, "authors");
	if (!json_is_array(list)) {
		if (json_is_object(json_object_get(root, "author")))
			add_author(e, json_object_get(root, "author"));
		return;
	}
	json_array_foreach(list, i, a)
		add_author(e, a);
}

/* tags and attachments. */
static void
item_lists(struct feed_entry *e, json_t *item, struct feed_base *rb,
    const char *base)
{
	json_t *list, *v;
	size_t i;

	list = json_object_get(item, "tags");
	json_array_foreach(list, i, v)
		if (json_is_string(v))
			feed_category_add(e, feed_text_clean(json_string_value(v),
			    json_string_length(v)));
	list = json_object_get(item, "attachments");
	json_array_foreach(list, i, v) {
		char *url = get_str(v, "url");
		json_t *size = json_object_get(v, "size_in_bytes");

		feed_enclosure_add(e, url ? feed_url_resolve(rb, base, url) : NULL,
		    get_str(v, "mime_type"), json_is_integer(size) &&
		    json_integer_value(size) >= 0 ? json_integer_value(size) : -1);
		free(url);
	}
}

/* The id: a string, or a number written as one (JSON Feed 1.0 allowed both). */
static char *
item_id(json_t *item)
{
	json_t *v = json_object_get(item, "id");
	char *s;

	if (json_is_integer(v)) {
		xasprintf(&s, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return s;
	}
	return get_str(item, "id");
}

/* One item into an entry. */
static void
json_item(struct feed *f, json_t *item, json_t *root, struct feed_base *rb,
    const char *base)
{
	struct feed_entry *e;
	char *s, *raw;

	if (!json_is_object(item) || (e = feed_entry_add(f)) == NULL)
		return;
	e->id = item_id(item);
	if ((s = get_str(item, "title")) != NULL) {
		e->title = feed_text_title(s, strlen(s), 1);
		free(s);
	}
	if ((s = get_str(item, "url")) == NULL)
		s = get_str(item, "external_url");
	e->link = feed_url_resolve(rb, base, s);
	free(s);
	e->published = feed_date((s = get_str(item, "date_published")));
	free(s);
	e->updated = feed_date((s = get_str(item, "date_modified")));
	free(s);
	e->summary = get_str(item, "summary");
	if ((e->content = get_str(item, "content_html")) != NULL) {
		e->content_html = 1;
		e->content = feed_html_resolved(rb, base, e->content);
	}
	else
		e->content = get_str(item, "content_text");
	item_authors(e, item, root);
	item_lists(e, item, rb, base);
	raw = json_dumps(item, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	feed_entry_finish(f, e, raw ? raw : "", raw ? strlen(raw) : 0);
	e->raw_owned = raw;	/* the raw bytes of feed_fingerprint_sha256 */
}

/* The format from the version URL; -1 when this is no JSON Feed. */
static int
json_format(json_t *root, struct feed *f)
{
	const char *v = json_string_value(json_object_get(root, "version"));

	if (v != NULL && strncmp(v, "https://jsonfeed.org/version/1.1", 32) == 0)
		feed_set_format(f, FEED_JSON11);
	else if (v != NULL && (strncmp(v, "https://jsonfeed.org/version/1", 30) == 0 ||
	    strncmp(v, "http://jsonfeed.org/version/1", 29) == 0))
		feed_set_format(f, FEED_JSON10);
	else if (json_is_array(json_object_get(root, "items"))) {
		feed_set_format(f, FEED_JSON10);
		feed_set_bozo(f, "no JSON Feed version");
	} else
		return -1;
	return 0;
}

/* Parse a JSON Feed; NULL (with *cause) when it is none. */
struct feed *
feed_json_parse(const struct feed_input *in, const char *base_url, char **cause)
{
	struct feed *f = xcalloc(1, sizeof *f);
	struct feed_base rb = { 0 };
	json_error_t err;
	json_t *root, *items, *item;
	char *home;
	size_t i;

	root = json_loadb(in->data, in->len, JSON_REJECT_DUPLICATES, &err);
	if (root == NULL && strstr(err.text, "duplicate") != NULL) {
		feed_set_bozo(f, err.text);
		root = json_loadb(in->data, in->len, 0, &err);
	}
	if (root == NULL || !json_is_object(root) || json_format(root, f) != 0) {
		if (root == NULL)
			xasprintf(cause, "not JSON: line %d: %s", err.line, err.text);
		else
			*cause = xstrdup("not a JSON Feed: no version or items");
		json_decref(root);
		feed_free(f);
		return NULL;
	}
	f->title = (home = get_str(root, "title")) ?
	    feed_text_title(home, strlen(home), 1) : NULL;
	free(home);
	home = get_str(root, "home_page_url");
	f->link = feed_url_resolve(&rb, base_url, home);
	free(home);
	f->language = get_str(root, "language");
	items = json_object_get(root, "items");
	json_array_foreach(items, i, item) {
		json_item(f, item, root, &rb, base_url);
		if (f->truncated)
			break;
	}
	feed_base_free(&rb);
	json_decref(root);
	return f;
}
