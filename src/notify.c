/* notify: delivery ids and the retry schedule of the outbox. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "notify.h"

/* Hash length-prefixed fields into a hex SHA-256. */
static void
hash_fields(const char *const *fields, size_t n, char out[NOTIFY_ID_LEN + 1])
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0, i;
	EVP_MD_CTX		*ctx;
	char			 len[24];
	size_t			 k;

	ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (k = 0; k < n; k++) {
		snprintf(len, sizeof len, "%zu:", strlen(fields[k]));
		EVP_DigestUpdate(ctx, len, strlen(len));
		EVP_DigestUpdate(ctx, fields[k], strlen(fields[k]));
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	for (i = 0; i < mdlen && 2 * i + 1 < NOTIFY_ID_LEN + 1; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * i] = '\0';
}

/* The delivery id of an article alert. */
void
notify_delivery_id(int64_t story, const char *watchlist, const char *notifier,
    char out[NOTIFY_ID_LEN + 1])
{
	char		 s[24];
	const char	*f[4] = { "newswatch-article-v1", s, watchlist, notifier };

	snprintf(s, sizeof s, "%lld", (long long)story);
	hash_fields(f, 4, out);
}

/* The delivery id of a digest. */
void
notify_digest_id(const char *notifier, const char *watchlist, int64_t window_start,
    char out[NOTIFY_ID_LEN + 1])
{
	char		 s[24];
	const char	*f[4] = { "newswatch-digest-v1", notifier, watchlist, s };

	snprintf(s, sizeof s, "%lld", (long long)window_start);
	hash_fields(f, 4, out);
}

/* The delivery id of a health alert. */
void
notify_health_id(const char *source, const char *state, int64_t since,
    char out[NOTIFY_ID_LEN + 1])
{
	char		 s[24];
	const char	*f[4] = { "newswatch-health-v1", source, state, s };

	snprintf(s, sizeof s, "%lld", (long long)since);
	hash_fields(f, 4, out);
}

/* The delay before the next attempt. */
int64_t
notify_backoff(const struct notify_policy *p, int attempts, int64_t retry_after,
    uint32_t rnd)
{
	int64_t	step = p->retry_min, low, delay;
	int	i;

	for (i = 1; i < attempts && step < p->retry_max; i++)
		step *= 2;
	if (step > p->retry_max)
		step = p->retry_max;
	low = step / 2 > p->retry_min ? step / 2 : p->retry_min;
	if (low > step)
		low = step;
	delay = low + (int64_t)(rnd % (uint64_t)(step - low + 1));
	if (retry_after > NOTIFY_RETRY_AFTER_MAX)
		retry_after = NOTIFY_RETRY_AFTER_MAX;
	return retry_after > delay ? retry_after : delay;
}

/* Whether a row is too old to send. */
int
notify_expired(const struct notify_policy *p, int64_t created, int64_t now)
{
	return now - created >= p->max_age;
}

/* What becomes of a row after an attempt. */
enum notify_fate
notify_after(const struct notify_policy *p, const struct nw_send_result *r,
    int attempts, int64_t created, int64_t now, uint32_t rnd, int64_t *next)
{
	int64_t	deadline = created + p->max_age;

	if (r->status == NW_SEND_OK)
		return NOTIFY_DELIVERED;
	if (r->status != NW_SEND_RETRY || notify_expired(p, created, now))
		return NOTIFY_DEAD;
	*next = now + notify_backoff(p, attempts, r->retry_after, rnd);
	if (*next > deadline)
		*next = deadline;
	return NOTIFY_PENDING;
}
