#!/usr/bin/env python3
"""Writes the configurations of the load run (see README.md in this directory).

  genconf.py backend DIR                 nginx backend: 200 "ok\\n" on 127.0.0.1:18081
  genconf.py nginx-proxy DIR ROUTES      nginx proxy on 127.0.0.1:18080 with ROUTES locations
  genconf.py gateway-yaml FILE ROUTES    APISIX standalone file with ROUTES routes, ending in #END

ROUTES counts the measured route (/api/...) plus ROUTES-1 others (/svcN/...), all to the backend.
"""
import os
import sys

BACKEND = "127.0.0.1:18081"
PROXY = "127.0.0.1:18080"
WORKERS = 2  # the nginx proxy's worker_processes: as many as the gateway's default 2 event loops
BACKEND_WORKERS = 1  # the backend both proxies share (issue 21's set-up: one worker, keep-alive)


def common(d, name, workers=WORKERS):
    # every path under DIR, so the system nginx (its pid, logs, temp dirs) is never touched
    return f"""worker_processes {workers};
daemon off;
pid {d}/{name}.pid;
error_log {d}/{name}-error.log warn;
events {{ worker_connections 4096; }}
"""


def http_common(d, name):
    return f"""  access_log off;
  keepalive_timeout 75s;
  keepalive_requests 1000000;
  client_body_temp_path {d}/{name}-body;
  proxy_temp_path {d}/{name}-proxy;
"""


def backend(d):
    return common(d, "backend", BACKEND_WORKERS) + "http {\n" + http_common(d, "backend") + f"""  server {{
    listen {BACKEND} backlog=4096;
    location / {{
      default_type text/plain;
      return 200 "ok\\n";
    }}
  }}
}}
"""


def nginx_proxy(d, routes):
    locs = ["    location /api/ { proxy_pass http://backend; }"]
    locs += [f"    location /svc{i}/ {{ proxy_pass http://backend; }}" for i in range(1, routes)]
    return common(d, "proxy") + "http {\n" + http_common(d, "proxy") + f"""  upstream backend {{
    server {BACKEND};
    keepalive 64;
    keepalive_requests 1000000;
  }}
  server {{
    listen {PROXY} backlog=4096;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    # the headers the gateway sets, so both do the same work
    proxy_set_header Host $http_host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Real-IP $remote_addr;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_set_header X-Forwarded-Host $http_host;
    proxy_set_header X-Forwarded-Port $server_port;
""" + "\n".join(locs) + "\n  }\n}\n"


def gateway_yaml(routes):
    out = ["upstreams:", "  - id: be", "    type: roundrobin", "    nodes:", f'      "{BACKEND}": 1', "routes:",
           '  - {id: api, uri: "/api/*", upstream_id: be}']
    out += [f'  - {{id: svc{i}, uri: "/svc{i}/*", upstream_id: be}}' for i in range(1, routes)]
    out.append("#END")
    return "\n".join(out) + "\n"


def write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv):
    if len(argv) >= 2 and argv[0] == "backend":
        write(os.path.join(argv[1], "backend.conf"), backend(argv[1]))
    elif len(argv) >= 3 and argv[0] == "nginx-proxy":
        write(os.path.join(argv[1], f"proxy-{argv[2]}.conf"), nginx_proxy(argv[1], int(argv[2])))
    elif len(argv) >= 3 and argv[0] == "gateway-yaml":
        write(argv[1], gateway_yaml(int(argv[2])))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
