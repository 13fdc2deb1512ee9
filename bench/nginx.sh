#!/bin/sh
# nginx.sh: a throwaway nginx on 127.0.0.1 for the polling benchmark.
#   nginx.sh start DIR PORT   serve DIR/feeds under two prefixes and wait until ready:
#                               /warm/  ETag off, If-Modified-Since ignored: every
#                                       poll gets the full body (the steady state)
#                               /cond/  ETag and Last-Modified on: 304s
#   nginx.sh stop DIR         stop it and wait until it is gone
# Everything (config, pid, logs, temp files) lives in DIR.
set -eu
cmd=$1 dir=$2

conf() {
	cat <<CONF
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log warn;
$( [ "$(id -u)" -eq 0 ] && echo "user root;" )
events { worker_connections 4096; }
http {
	access_log off;
	sendfile on;
	keepalive_requests 1000000;
	keepalive_timeout 60s;
	client_body_temp_path $dir/client_temp;
	proxy_temp_path $dir/proxy_temp;
	fastcgi_temp_path $dir/fastcgi_temp;
	default_type application/xml;
	server {
		listen 127.0.0.1:$1;
		location /warm/ {
			alias $dir/feeds/;
			etag off;
			if_modified_since off;
		}
		location /cond/ {
			alias $dir/feeds/;
		}
	}
}
CONF
}

case $cmd in
start)
	port=$3
	conf "$port" >"$dir/nginx.conf"
	nginx -p "$dir" -e "$dir/nginx-error.log" -c "$dir/nginx.conf"
	i=0
	until curl -s -o /dev/null --noproxy '*' "http://127.0.0.1:$port/"; do
		i=$((i + 1))
		[ $i -lt 500 ] || { echo "nginx did not start" >&2; exit 1; }
		sleep 0.01
	done
	;;
stop)
	[ -f "$dir/nginx.pid" ] || exit 0
	pid=$(cat "$dir/nginx.pid")
	nginx -p "$dir" -e "$dir/nginx-error.log" -c "$dir/nginx.conf" -s quit || true
	while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
	;;
*)
	echo "usage: nginx.sh start DIR PORT | stop DIR" >&2
	exit 2
	;;
esac
