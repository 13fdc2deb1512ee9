#!/bin/sh
# docs: the manual and the sample configuration agree with the code.
#  - the sample configuration and the man page's EXAMPLE pass `newswatchd -n`, and
#    the sample's queries parse;
#  - every key of conf.c's key tables and of the plugins' lookups is documented
#    (a .TP item) in its section of newswatch.conf(5), and every key documented
#    there exists in the code;
#  - the sample shows every key, and names no key the code does not know;
#  - the tracking parameters listed are text_url.c's;
#  - both man pages render without groff warnings (skipped without groff).
srcdir=${top_srcdir:-.}
builddir=${top_builddir:-.}
conf_c="$srcdir/src/conf.c"
man5="$srcdir/man/newswatch.conf.5"
man8="$srcdir/man/newswatchd.8"
sample="$srcdir/etc/newswatch.conf"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
n=0

result() {	# result STATUS NAME
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then printf 'ok %s - %s\n' "$n" "$2"
	else printf 'not ok %s - %s\n' "$n" "$2"; fi
}
skip() {
	n=$((n + 1))
	echo "ok $n # SKIP $1"
}

# conf.c's key tables, as "TABLE KEY" lines: `static const struct key X_keys[] = {`
# followed by `{ "key", K_..., ... },` entries up to `};`.
awk '/^static const struct key [a-z_]+_keys\[\] = \{/ {
		t = $5; sub(/_keys\[\]$/, "", t); next }
	t != "" && /^};/ { t = ""; next }
	t != "" && match($0, /\{ "[a-z_]+",/) {
		k = substr($0, RSTART + 3, RLENGTH - 5); print t, k }' \
    "$conf_c" > "$tmp/conf-keys"
for t in daemon source watchlist notifier notify_ref; do
	grep -q "^$t " "$tmp/conf-keys"
	result $? "conf.c has a $t key table"
done

# A plugin's keys: the string arguments after cfg of its lookups,
# h->config_*(cfg, "key", ...) or a helper's (h, cfg, "key", ...); config_error
# only names keys for messages.
plugin_keys() {	# plugin_keys FILE
	grep -v 'config_error' "$1" |
	    sed -n 's/.*[a-z_](\(h, \)\{0,1\}cfg, \("[a-z_]*"\(, "[a-z_]*"\)\{0,1\}\).*/\2/p' |
	    tr -d '"' | tr ',' '\n' | tr -d ' ' | sort -u
}
for p in webhook email; do
	plugin_keys "$srcdir/src/plugins/$p.c" > "$tmp/plugin-$p"
	test -s "$tmp/plugin-$p"
	result $? "the $p plugin's key lookups are found"
done

# The keys documented as .TP items, per section, as "SECTION KEY" lines: the words
# of the .B/.BR line after .TP outside quoted strings, when the line gives a type
# in parentheses (".BR name \" (string)\"").
awk '/^\.SH / { sh = $2; ss = ""; next }
	/^\.SS / { ss = $0; sub(/^\.SS /, "", ss); next }
	/^\.TP/ { tp = 1; next }
	tp && /^\.BR? / && /" \(/ {
		s = "DAEMON:daemon SOURCES:source WATCHLISTS:watchlist NOTIFIERS:notifier"
		sec = ""
		if (sh == "NOTIFIERS" && ss == "Webhook plugin") sec = "webhook"
		else if (sh == "NOTIFIERS" && ss == "Email plugin") sec = "email"
		else if (index(" " s " ", " " sh ":") > 0) {
			sec = substr(s, index(s, sh ":") + length(sh) + 1)
			sub(/ .*/, "", sec)
		}
		line = $0; sub(/^\.BR? /, "", line); gsub(/"[^"]*"/, " ", line)
		nw = split(line, w, /[ \t]+/)
		for (i = 1; i <= nw; i++)
			if (sec != "" && w[i] ~ /^[a-z_]+$/) print sec, w[i]
	}
	{ tp = 0 }' "$man5" | sort -u > "$tmp/man-keys"

# Every key of the code is documented in its section.
missing=""
while read -r t k; do
	case $t in
	notify_ref)	# the notify group form: named in bold in WATCHLISTS
		awk '/^\.SH / { in_w = ($2 == "WATCHLISTS") } in_w' "$man5" |
		    grep -q "^\.BR\{0,1\} $k\( \|$\)" || missing="$missing $t.$k";;
	*)	grep -qx "$t $k" "$tmp/man-keys" || missing="$missing $t.$k";;
	esac
done < "$tmp/conf-keys"
for p in webhook email; do
	while read -r k; do
		grep -qx "$p $k" "$tmp/man-keys" || missing="$missing $p.$k"
	done < "$tmp/plugin-$p"
done
test -z "$missing"
result $? "newswatch.conf(5) documents every key conf.c and the plugins accept"
[ -z "$missing" ] || echo "# undocumented:$missing"

# Every key documented exists in the code.
unknown=""
while read -r sec k; do
	case $sec in
	webhook|email)	grep -qx "$k" "$tmp/plugin-$sec" ;;
	*)		grep -qx "$sec $k" "$tmp/conf-keys" ;;
	esac || unknown="$unknown $sec.$k"
done < "$tmp/man-keys"
test -z "$unknown"
result $? "every key newswatch.conf(5) documents exists in conf.c or a plugin"
[ -z "$unknown" ] || echo "# unknown to the code:$unknown"
test "$(wc -l < "$tmp/man-keys")" -gt 60
result $? "the key sections of newswatch.conf(5) were read ($(wc -l < "$tmp/man-keys") keys)"

# STORIES lists text_url.c's tracking parameters, all of them and only them.
sed -n '/^static const char \*tracking\[\] = {/,/^};/p' "$srcdir/src/text_url.c" |
    grep -o '"[^"]*"' | tr -d '"' | sort -u > "$tmp/tracking-code"
awk '/^\.SH / { in_s = ($2 == "STORIES") } in_s && /^\.BR? [a-z_]+\*? ?[,;]?$/ {
	sub(/^\.BR? /, ""); sub(/ ?[,;]$/, ""); print }' "$man5" |
    grep -v '^and$' | sort -u > "$tmp/tracking-man"
test -s "$tmp/tracking-code" && cmp -s "$tmp/tracking-code" "$tmp/tracking-man"
result $? "newswatch.conf(5) lists the tracking parameters of text_url.c"
cmp -s "$tmp/tracking-code" "$tmp/tracking-man" ||
    diff "$tmp/tracking-code" "$tmp/tracking-man" | sed 's/^/# /'

# The sample shows every key (optional ones commented out) and no unknown one.
sed -n 's/^[ 	]*#\{0,1\}[ 	]*\([a-z_]\{1,\}\)[ 	]*=.*/\1/p' "$sample" | sort -u \
    > "$tmp/sample-keys"
{ cut -d' ' -f2 "$tmp/conf-keys"; cat "$tmp/plugin-webhook" "$tmp/plugin-email"; } |
    sort -u > "$tmp/all-keys"
unshown=$(comm -13 "$tmp/sample-keys" "$tmp/all-keys" | tr '\n' ' ')
test -z "$unshown"
result $? "the sample configuration shows every key"
[ -z "$unshown" ] || echo "# not in the sample: $unshown"
printf '%s\n' daemon sources watchlists notifiers >> "$tmp/all-keys"
sort -u -o "$tmp/all-keys" "$tmp/all-keys"
strange=$(comm -23 "$tmp/sample-keys" "$tmp/all-keys" | tr '\n' ' ')
test -z "$strange"
result $? "the sample configuration names no key the code does not know"
[ -z "$strange" ] || echo "# unknown keys in the sample: $strange"

# The sample passes newswatchd -n, offline.
out=$("$builddir/newswatchd" -n -c "$sample" 2>&1)
rc=$?
test $rc -eq 0 && test "$out" = "configuration OK"
result $? "newswatchd -n accepts the sample configuration"
[ $rc -eq 0 ] || printf '%s\n' "$out" | sed 's/^/# /'

# Its queries, commented out or not, parse (the configuration reader leaves that
# to the matcher):
# `newswatch match` exits 1 on no match, 2 on a bad query.
grep '^[ 	]*#\{0,1\}[ 	]*query = ' "$sample" |
    sed 's/^[ 	]*#\{0,1\}[ 	]*query = "\(.*\)";.*/\1/; s/\\"/"/g; s/\\\\/\\/g' \
    > "$tmp/queries"
test -s "$tmp/queries"
result $? "the sample has queries"
while IFS= read -r q; do
	: | "$builddir/newswatch" match "$q" - > /dev/null 2> "$tmp/err"
	rc=$?
	test $rc -le 1
	result $? "the sample's query parses: $q"
	[ $rc -le 1 ] || sed 's/^/# /' "$tmp/err"
done < "$tmp/queries"

# The man page's EXAMPLE is a valid configuration too.
awk '/^\.SH EXAMPLE/ { ex = 1; next } /^\.SH / { ex = 0 }
	ex && /^\.fi/ { ex = 0 } ex && body { print } ex && /^\.nf/ { body = 1 }' "$man5" |
    sed 's/\\e/\\/g' > "$tmp/example.conf"
# Its secrets come from systemd's credentials directory, as under the unit's
# LoadCredential=: give -n one with the files the EXAMPLE names.
mkdir -p "$tmp/credentials"
for f in $(sed -n 's/.*_file *= *"\([^"/]*\)".*/\1/p' "$tmp/example.conf"); do
	echo "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" > "$tmp/credentials/$f"
done
out=$(CREDENTIALS_DIRECTORY="$tmp/credentials" "$builddir/newswatchd" -n -c "$tmp/example.conf" 2>&1)
rc=$?
test -s "$tmp/example.conf" && test $rc -eq 0
result $? "newswatchd -n accepts newswatch.conf(5)'s EXAMPLE"
[ $rc -eq 0 ] || printf '%s\n' "$out" | sed 's/^/# /'

# Both man pages render without warnings.
for page in "$man5" "$man8"; do
	name=$(basename "$page")
	if command -v groff > /dev/null 2>&1; then
		for dev in ps utf8; do
			w=$(groff -ww -man -T"$dev" -z "$page" 2>&1)
			test -z "$w"
			result $? "groff -ww -man -T$dev renders $name without warnings"
			[ -z "$w" ] || printf '%s\n' "$w" | sed 's/^/# /'
		done
	else
		skip "groff is not installed ($name)"
	fi
	if command -v man > /dev/null 2>&1 && command -v groff > /dev/null 2>&1; then
		w=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 > /dev/null)
		test -z "$w"
		result $? "man --warnings renders $name without warnings"
		[ -z "$w" ] || printf '%s\n' "$w" | sed 's/^/# /'
	else
		skip "man is not installed ($name)"
	fi
done

echo "1..$n"
