#!/bin/sh
# polling.sh: the polling benchmark (issue 3). For each N (default: 200 2000),
# generate N news feeds, serve them with nginx on 127.0.0.1, and fetch all of them
# with:
#   - the ceiling: bench/ceiling, a minimal libcurl multi loop with a bare libxml2
#     SAX2 pass per body (build it with `make bench/ceiling`);
#   - bench/http-fetch: the same through newswatch's http module;
#   - sfeed_update (Debian's sfeed) on the same URLs;
#   - newswatchd --once: cold (empty database), warm (the same feeds in full,
#     nothing new), parsed (warm with every body changed outside its entries)
#     and conditional (304s) cycles.
# It prints wall, CPU, peak RSS and feeds/s for each, and the ratios.
# Environment: CEILING, HTTP_FETCH, NEWSWATCHD (paths of the programs), CONCURRENCY (default 32),
# PYTHON3, KEEP=1 to keep the work directory, SKIP_SFEED=1 to leave sfeed out,
# HTML_BODIES=1 for item text as HTML with links (gen-feeds.py --html).
set -eu
srcdir=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON3:-/usr/bin/python3}
CEILING=${CEILING:-./bench/ceiling}
HTTP_FETCH=${HTTP_FETCH:-./bench/http-fetch}
NEWSWATCHD=${NEWSWATCHD:-./newswatchd}
CONC=${CONCURRENCY:-32}
[ $# -gt 0 ] || set -- 200 2000
for p in "$CEILING" "$HTTP_FETCH"; do
	[ -x "$p" ] || { echo "build $p first: make bench-polling does" >&2; exit 2; }
done

work=$(mktemp -d /tmp/nwbench.XXXXXX)
chmod 755 "$work"
cleanup() {
	sh "$srcdir/bench/nginx.sh" stop "$work" || true
	[ "${KEEP:-0}" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
mkdir -p "$work/feeds"
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sh "$srcdir/bench/nginx.sh" start "$work" "$port"
base="http://127.0.0.1:$port"

# Print "name feeds wall cpu rss_kib feeds/s" from a /usr/bin/time -f "%e %U %S %M" file.
report_time() {
	awk -v name="$1" -v n="$2" '{ printf "%-10s feeds=%d wall=%.3f cpu=%.3f feeds_per_s=%.1f peak_rss_kib=%d\n", name, n, $1, $2 + $3, n / ($1 > 0 ? $1 : 0.001), $4 }' "$3"
}

for n in "$@"; do
	echo "== N=$n"
	rm -rf "$work/feeds"
	$PY "$srcdir/bench/gen-feeds.py" "$n" "$work/feeds" \
	    $( [ "${HTML_BODIES:-0}" = 1 ] && echo --html )
	echo "feeds: $(du -sm "$work/feeds" | cut -f1) MB"
	sed "s|^|$base/warm/|" "$work/feeds/names.txt" >"$work/warm.txt"
	sed "s|^|$base/cond/|" "$work/feeds/names.txt" >"$work/cond.txt"

	# The ceiling: warm URLs (full bodies).
	"$CEILING" "$work/warm.txt" "$CONC" | tee "$work/ceiling.out"
	ceil=$(sed -n 's/.*feeds_per_s=\([0-9.]*\).*/\1/p' "$work/ceiling.out")

	# newswatch's http module, same SAX pass.
	"$HTTP_FETCH" "$work/warm.txt" "$CONC" | tee "$work/http.out"
	hf=$(sed -n 's/.*feeds_per_s=\([0-9.]*\).*/\1/p' "$work/http.out")
	echo "ratio http-fetch/ceiling: $(echo "$hf $ceil" | awk '{ printf "%.2f", $1 / $2 }')"

	# sfeed_update on the same URLs.
	if [ "${SKIP_SFEED:-0}" != 1 ]; then
	rm -rf "$work/sfeed"
	{
		echo "sfeedpath=\"$work/sfeed\""
		echo "maxjobs=$CONC"
		echo "feeds() {"
		sed 's|.*/\(feed-[0-9]*\)\.xml$|\1 &|' "$work/warm.txt" |
		    awk '{ printf "\tfeed \"%s\" \"%s\"\n", $1, $2 }'
		echo "}"
	} >"$work/sfeedrc"
	/usr/bin/time -f "%e %U %S %M" -o "$work/sfeed.time" \
	    sfeed_update "$work/sfeedrc" >/dev/null 2>"$work/sfeed.err" || true
	report_time sfeed "$n" "$work/sfeed.time" | tee "$work/sfeed.out"
	sfeed=$(sed -n 's/.*feeds_per_s=\([0-9.]*\).*/\1/p' "$work/sfeed.out")
	echo "ratio ceiling/sfeed: $(echo "$ceil $sfeed" | awk '{ printf "%.1f", $1 / $2 }')"
	fi

	# ==== newswatchd --once: cold, warm and conditional cycles. ====
	# cold: empty database, full bodies, every entry new (first sight);
	# warm: the same feeds again in full, nothing new (the steady state);
	# parsed: warm, but each body changed outside its entries, so parsed;
# conditional: the /cond/ URLs, primed once (untimed), then 304s.
	nwconf() {	# nwconf FILE STATE URLLIST
		{
			echo "daemon = { state_dir = \"$2\"; admin_listen = \"\";"
			echo "  allow_private = true; log_level = \"warning\";"
			echo "  max_transfers = $CONC; max_per_host = $CONC; };"
			echo "sources = ("
			awk '{ printf "%s{ name = \"f%d\"; url = \"%s\"; }\n", (NR > 1 ? "," : ""), NR, $0 }' "$3"
			echo ");"
		} >"$1"
	}
	rm -rf "$work/nw"
	nwconf "$work/nw-warm.conf" "$work/nw" "$work/warm.txt"
	nwconf "$work/nw-cond.conf" "$work/nw" "$work/cond.txt"
	for cycle in cold warm parsed prime conditional; do
		c="$work/nw-warm.conf"
		case $cycle in prime|conditional) c="$work/nw-cond.conf" ;; esac
		# parsed: other bytes (a comment after the root), the same entries:
		# every body parsed, every entry skipped by its fingerprint.
		[ $cycle = parsed ] && for f in "$work"/feeds/feed-*.xml; do
			echo "<!-- changed -->" >>"$f"
		done
		/usr/bin/time -f "%e %U %S %M" -o "$work/nw-$cycle.time" \
		    "$NEWSWATCHD" --once -c "$c" 2>"$work/nw-$cycle.err" ||
		    echo "newswatchd $cycle: exit $? ($(tail -1 "$work/nw-$cycle.err"))"
		[ $cycle = prime ] && continue
		report_time "nw-$cycle" "$n" "$work/nw-$cycle.time" | tee "$work/nw-$cycle.out"
		fps=$(sed -n 's/.*feeds_per_s=\([0-9.]*\).*/\1/p' "$work/nw-$cycle.out")
		printf "ratio nw-%s/ceiling: %s" "$cycle" \
		    "$(echo "$fps $ceil" | awk '{ printf "%.2f", $1 / $2 }')"
		[ -n "${sfeed:-}" ] && printf "  nw-%s/sfeed: %s" "$cycle" \
		    "$(echo "$fps $sfeed" | awk '{ printf "%.1f", $1 / $2 }')"
		echo
	done
	echo "articles: $(sqlite3 "$work/nw/newswatch.db" 'SELECT count(*) FROM articles')," \
	    "stories: $(sqlite3 "$work/nw/newswatch.db" 'SELECT count(*) FROM stories')," \
	    "db: $(du -m "$work/nw/newswatch.db" | cut -f1) MB"
done
