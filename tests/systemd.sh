#!/bin/sh
# systemd: the unit passes `systemd-analyze verify`, the sysusers.d and tmpfiles.d
# files apply to an empty root; each check is skipped where its tool is missing.
srcdir=${top_srcdir:-.}
builddir=${top_builddir:-.}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
n=0

result() {	# result STATUS NAME
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
skip() {
	n=$((n + 1))
	echo "ok $n # SKIP $1"
}

# The unit make generated carries the configured paths.
unit="$builddir/systemd/newswatch.service"
grep -q '^ExecStart=/.*/newswatchd -c /.*/newswatch/newswatch.conf$' "$unit" &&
    ! grep -q '@[a-z]*@' "$unit"
result $? "the generated unit has absolute configured paths"
for key in Type=notify ExecReload= WatchdogSec= Restart=on-failure User=newswatch \
    StateDirectory=newswatch ConfigurationDirectory=newswatch LoadCredential= \
    TasksMax= ProtectSystem=strict SystemCallFilter=@system-service; do
	grep -q "^#\{0,1\}$key" "$unit"
	result $? "the unit sets $key"
done

if command -v systemd-analyze >/dev/null 2>&1; then
	# Verify a copy whose ExecStart points at the built daemon (verify wants it to exist).
	mkdir "$tmp/unit"
	sed -e "s|@sbindir@|$(cd "$builddir" && pwd)|g" -e "s|@sysconfdir@|/etc|g" \
	    "$srcdir/systemd/newswatch.service.in" > "$tmp/unit/newswatch.service"
	out=$(systemd-analyze verify --man=no "$tmp/unit/newswatch.service" 2>&1)
	result $? "systemd-analyze verify accepts the unit"
	[ -z "$out" ]
	result $? "systemd-analyze verify prints no warning"
	[ -n "$out" ] && echo "$out" | sed 's/^/# /'
	sed 's|^ExecStart=/|ExecStart=|' "$tmp/unit/newswatch.service" > "$tmp/unit/bad.service"
	! systemd-analyze verify --man=no "$tmp/unit/bad.service" >/dev/null 2>&1
	result $? "systemd-analyze verify rejects a broken copy"
else
	skip "systemd-analyze not installed"
	skip "systemd-analyze not installed"
	skip "systemd-analyze not installed"
fi

if command -v systemd-sysusers >/dev/null 2>&1; then
	mkdir -p "$tmp/root/etc"
	systemd-sysusers --root="$tmp/root" "$(cd "$srcdir" && pwd)/systemd/newswatch.sysusers" \
	    >/dev/null 2>&1
	result $? "systemd-sysusers applies the sysusers.d file"
	grep -q '^newswatch:x:[0-9]*:[0-9]*:newswatch daemon:/var/lib/newswatch:' \
	    "$tmp/root/etc/passwd"
	result $? "the newswatch user exists in the new root"
	if command -v systemd-tmpfiles >/dev/null 2>&1; then
		systemd-tmpfiles --root="$tmp/root" --create \
		    "$(cd "$srcdir" && pwd)/systemd/newswatch.tmpfiles" >/dev/null 2>&1
		result $? "systemd-tmpfiles applies the tmpfiles.d file"
		[ "$(stat -c %a "$tmp/root/var/lib/newswatch" 2>/dev/null)" = 700 ]
		result $? "the state directory exists, mode 0700"
	else
		skip "systemd-tmpfiles not installed"
		skip "systemd-tmpfiles not installed"
	fi
else
	skip "systemd-sysusers not installed"
	skip "systemd-sysusers not installed"
	skip "systemd-sysusers not installed"
	skip "systemd-sysusers not installed"
fi
echo "1..$n"
