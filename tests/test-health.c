/*
 * test-health: when a source is failing, stale or healthy, and which alert a
 * change raises (once, and once more on recovery).
 */
#include "../src/health.c"

#include "tap.h"

int
main(void)
{
	struct conf_source cs = { 0 };
	struct source_state st = { 0 };
	int64_t now = 1800000000;

	is_str(health_state(&cs, &st, now - 10, 5, now), NULL, "healthy");
	st.failures = 4;
	is_str(health_state(&cs, &st, now, 5, now), NULL, "4 failures of 5: healthy");
	st.failures = 5;
	is_str(health_state(&cs, &st, now, 5, now), HEALTH_FAILING, "5 of 5: failing");
	st.failures = 0;
	st.disabled_reason = "410 Gone";
	is_str(health_state(&cs, &st, now, 5, now), HEALTH_FAILING,
	    "disabled (410): failing");
	st.disabled_reason = NULL;
	cs.stale_after = 3600 * 1000;
	is_str(health_state(&cs, &st, now - 3599, 5, now), NULL, "fresh enough");
	is_str(health_state(&cs, &st, now - 3601, 5, now), HEALTH_STALE,
	    "nothing new for longer than stale_after: stale");
	st.failures = 9;
	is_str(health_state(&cs, &st, now - 9999, 5, now), HEALTH_FAILING,
	    "failing wins over stale");
	cs.stale_after = 0;
	st.failures = 0;
	is_str(health_state(&cs, &st, 1, 5, now), NULL, "no stale_after: never stale");

	is_str(transition(HEALTH_FAILING, NULL), HEALTH_FAILING, "first failure raised");
	is_str(transition(HEALTH_FAILING, HEALTH_FAILING), NULL, "raised once");
	is_str(transition(NULL, HEALTH_FAILING), HEALTH_RECOVERED, "recovery raised");
	is_str(transition(NULL, HEALTH_RECOVERED), NULL, "recovered once");
	is_str(transition(NULL, NULL), NULL, "healthy, never raised: nothing");
	is_str(transition(HEALTH_STALE, HEALTH_FAILING), HEALTH_STALE,
	    "failing to stale: raised");
	is_str(transition(HEALTH_FAILING, HEALTH_RECOVERED), HEALTH_FAILING,
	    "failing again after a recovery: raised again");
	return done_testing();
}
