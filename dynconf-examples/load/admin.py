#!/usr/bin/env python3
"""Admin-API clients of the load run (python3 standard library only; see README.md here).

  admin.py seed   --admin HOST:PORT --key KEY --routes N
      PUT upstream "be" (127.0.0.1:18081) and N routes (api + svc1..svcN-1), as genconf.py's file.
  admin.py churn  --admin HOST:PORT --key KEY --rate 100 --conns 2 --duration S --out FILE.json
      PUTs routes at RATE per second for S seconds, over CONNS connections: /churnK routes (K < 50) get a new uri each time,
      and once a second the measured route "api" is replaced by an equivalent definition.
  admin.py bulkseed --admin HOST:PORT --key KEY --routes N --conns 2 --out FILE.json
      The same upstream and routes through POST /apisix/admin/bulk, 128 operations a request, over
      CONNS connections; reports routes written per second.
  admin.py writes --admin HOST:PORT --key KEY -n 200 --upstream-every 20 --out FILE.json
      N PUTs, one after another: route "svc1" with a fresh uri, except every Kth (--upstream-every K;
      0: never), which PUTs upstream "be" (referenced by every route) with a new node weight; each
      PUT's answer time (the gateway answers once it serves the change: read-your-writes included).
  admin.py probe  --admin HOST:PORT --key KEY --data HOST:PORT -n 300 --out FILE.json
      N times: PUT route "probe" with a fresh uri, then GET that uri until it answers 200; the
      time from the PUT's response to the first 200, and whether the first GET was already 200.

Every connection is an http.client.HTTPConnection kept alive (reopened only after an error).
"""
import argparse
import http.client
import json
import sys
import threading
import time

CHURN_ROUTES = 50


class Client:
    def __init__(self, hostport, key=None, timeout=5.0):
        host, port = hostport.rsplit(":", 1)
        self.host, self.port, self.key, self.timeout = host, int(port), key, timeout
        self.conn = None

    def request(self, method, path, body=None):
        """(status, body bytes); raises on a transport error (the connection is dropped)."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        headers = {}
        if self.key:
            headers["X-API-KEY"] = self.key
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            self.conn.request(method, path, body=data, headers=headers)
            r = self.conn.getresponse()
            payload = r.read()
            if r.will_close:
                self.conn.close()
                self.conn = None
            return r.status, payload
        except Exception:
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            raise


def pct(values, p):
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(p / 100.0 * len(s) + 0.5)) - 1))]


def r3(v):
    return None if v is None else round(v, 3)


def put_route(c, rid, uri):
    return c.request("PUT", f"/apisix/admin/routes/{rid}", {"uri": uri, "upstream_id": "be"})


def seed(a):
    c = Client(a.admin, a.key)
    st, body = c.request("PUT", "/apisix/admin/upstreams/be", {"type": "roundrobin", "nodes": {"127.0.0.1:18081": 1}})
    if st not in (200, 201):
        sys.exit(f"seed: upstream PUT answered {st}: {body[:200]!r}")
    for i in range(a.routes):
        rid, uri = ("api", "/api/*") if i == 0 else (f"svc{i}", f"/svc{i}/*")
        st, body = put_route(c, rid, uri)
        if st not in (200, 201):
            sys.exit(f"seed: route {rid} PUT answered {st}: {body[:200]!r}")
    print(f"seeded 1 upstream and {a.routes} routes")


def bulkseed(a):
    """Seeds through the bulk endpoint: batches of 128 route PUTs over a.conns connections."""
    c = Client(a.admin, a.key, timeout=60.0)
    st, body = c.request("PUT", "/apisix/admin/upstreams/be", {"type": "roundrobin", "nodes": {"127.0.0.1:18081": 1}})
    if st not in (200, 201):
        sys.exit(f"bulkseed: upstream PUT answered {st}: {body[:200]!r}")
    ids = [("api", "/api/*") if i == 0 else (f"svc{i}", f"/svc{i}/*") for i in range(a.routes)]
    batches = [ids[i:i + 128] for i in range(0, len(ids), 128)]
    errors, lock = [], threading.Lock()

    def worker(j):
        w = Client(a.admin, a.key, timeout=60.0)
        for b in batches[j::a.conns]:
            ops = [{"method": "PUT", "type": "routes", "id": rid, "value": {"uri": uri, "upstream_id": "be"}} for rid, uri in b]
            try:
                code, payload = w.request("POST", "/apisix/admin/bulk", {"operations": ops})
            except Exception as e:  # noqa: BLE001 - reported, fails the seed
                code, payload = 0, repr(e).encode()
            if code != 200:
                with lock:
                    errors.append(f"bulk of {len(ops)} from {b[0][0]}: {code} {payload[:300]!r}")
                return

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(j,)) for j in range(a.conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    if errors:
        sys.exit("bulkseed: " + "; ".join(errors[:3]))
    res = {"routes": a.routes, "requests": len(batches), "conns": a.conns, "elapsed_s": round(elapsed, 2),
           "routes_per_s": round(a.routes / elapsed)}
    with open(a.out, "w") as f:
        json.dump(res, f)
    print("bulkseed:", json.dumps(res))


def writes(a):
    """Sequential route PUTs, with an upstream PUT every 20th; each PUT's answer time."""
    c = Client(a.admin, a.key, timeout=30.0)
    route_ms, upstream_ms, errors = [], [], []
    run = int(time.time())
    for n in range(a.n):
        if a.upstream_every and n % a.upstream_every == a.upstream_every - 1:
            path, body, out = "/apisix/admin/upstreams/be", {"type": "roundrobin", "nodes": {"127.0.0.1:18081": 1 + n % 7}}, upstream_ms
        else:
            path, body, out = "/apisix/admin/routes/svc1", {"uri": f"/svc1/{run}/{n}/*", "upstream_id": "be"}, route_ms
        t0 = time.perf_counter()
        try:
            code, payload = c.request("PUT", path, body)
        except Exception as e:  # noqa: BLE001 - counted and reported
            code, payload = 0, repr(e).encode()
        if code not in (200, 201):
            errors.append(f"PUT {path}: {code} {payload[:200]!r}")
            continue
        out.append((time.perf_counter() - t0) * 1000)
    res = {"n": a.n, "failed": len(errors), "route_puts": len(route_ms), "route_p50_ms": r3(pct(route_ms, 50)),
           "route_p99_ms": r3(pct(route_ms, 99)), "route_max_ms": r3(max(route_ms, default=None)),
           "upstream_puts": len(upstream_ms), "upstream_p50_ms": r3(pct(upstream_ms, 50)),
           "upstream_p99_ms": r3(pct(upstream_ms, 99)), "upstream_max_ms": r3(max(upstream_ms, default=None)),
           "errors": errors[:5]}
    with open(a.out, "w") as f:
        json.dump(res, f)
    print("writes:", json.dumps(res))


def churn(a):
    """Paced PUTs over --conns keep-alive connections (one thread each): change i is due at
    start + i/rate and goes out on connection i % conns; a late change goes out at once (nothing is
    skipped until the end), so the achieved rate and the lag show whether the admin API kept up;
    at the end of the duration it stops, sent or not."""
    interval = 1.0 / a.rate
    per_second = int(a.rate)
    start = time.monotonic() + 0.05
    end = start + a.duration
    stats = []

    def worker(j):
        c = Client(a.admin, a.key)
        st = {"lat": [], "failed": 0, "errors": [], "n": 0, "lag": 0.0}
        stats.append(st)
        i = j
        while True:
            due = start + i * interval
            if due >= end:
                break
            now = time.monotonic()
            if now >= end:
                break  # behind schedule at the end: what did not go out in time is not sent
            if due > now:
                time.sleep(due - now)
            else:
                st["lag"] = max(st["lag"], now - due)
            if i % per_second == per_second - 1:
                rid, uri = "api", "/api/*"  # the measured route, replaced by an equivalent one
            else:
                k = i % CHURN_ROUTES
                rid, uri = f"churn{k}", f"/churn{k}/v{i}/*"
            t0 = time.perf_counter()
            try:
                code, body = put_route(c, rid, uri)
                if code not in (200, 201):
                    st["failed"] += 1
                    if len(st["errors"]) < 5:
                        st["errors"].append(f"{rid}: {code} {body[:200]!r}")
            except Exception as e:  # noqa: BLE001 - counted and reported
                st["failed"] += 1
                if len(st["errors"]) < 5:
                    st["errors"].append(f"{rid}: {e!r}")
            st["lat"].append((time.perf_counter() - t0) * 1000)
            st["n"] += 1
            i += a.conns

    threads = [threading.Thread(target=worker, args=(j,)) for j in range(a.conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = max(time.monotonic() - start, a.duration)
    lat_ms = [x for st in stats for x in st["lat"]]
    n = sum(st["n"] for st in stats)
    res = {"changes": n, "failed": sum(st["failed"] for st in stats), "conns": a.conns, "elapsed_s": round(elapsed, 2),
           "rate": round(n / elapsed, 1), "put_p50_ms": r3(pct(lat_ms, 50)), "put_p99_ms": r3(pct(lat_ms, 99)),
           "put_max_ms": r3(max(lat_ms, default=None)), "max_lag_ms": r3(max(st["lag"] for st in stats) * 1000),
           "errors": [e for st in stats for e in st["errors"]][:5]}
    with open(a.out, "w") as f:
        json.dump(res, f)
    print("churn:", json.dumps(res))


def probe(a):
    c = Client(a.admin, a.key)
    d = Client(a.data)
    vis_ms, put_ms, first_hits, failed, gets = [], [], 0, 0, []
    run = int(time.time())
    # the GET round trip itself, on a route that is already visible: the floor of the measurement
    st, _ = put_route(c, "probe", f"/probe/{run}/warm")
    for _ in range(200):
        t0 = time.perf_counter()
        d.request("GET", f"/probe/{run}/warm")
        gets.append((time.perf_counter() - t0) * 1000)
    errors = []
    for n in range(a.n):
        uri = f"/probe/{run}/{n}"
        t0 = time.perf_counter()
        try:
            st, body = put_route(c, "probe", uri)
        except Exception as e:  # noqa: BLE001 - counted and reported
            st, body = 0, repr(e).encode()
        t1 = time.perf_counter()
        if st not in (200, 201):
            failed += 1
            errors.append(f"PUT {uri}: {st} {body[:200]!r}")
            if len(errors) >= 10:
                break  # the gateway is gone or refusing: stop, report what was measured
            continue
        put_ms.append((t1 - t0) * 1000)
        first, deadline = True, t1 + a.timeout
        while True:
            try:
                st, _ = d.request("GET", uri)
            except Exception as e:  # noqa: BLE001
                st = 0
                errors.append(f"GET {uri}: {e!r}")
            now = time.perf_counter()
            if st == 200:
                vis_ms.append((now - t1) * 1000)
                first_hits += first
                break
            first = False
            if now > deadline:
                failed += 1
                break
        if a.pause:
            time.sleep(a.pause)
    res = {"mode": a.mode, "n": a.n, "visible": len(vis_ms), "failed": failed, "first_get_200": first_hits,
           "vis_p50_ms": r3(pct(vis_ms, 50)), "vis_p99_ms": r3(pct(vis_ms, 99)),
           "vis_max_ms": r3(max(vis_ms, default=None)), "put_p50_ms": r3(pct(put_ms, 50)),
           "put_p99_ms": r3(pct(put_ms, 99)), "get_rtt_p50_ms": r3(pct(gets, 50)), "errors": errors[:5]}
    with open(a.out, "w") as f:
        json.dump(res, f)
    print("probe:", json.dumps(res))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("cmd", choices=["seed", "bulkseed", "writes", "churn", "probe"])
    p.add_argument("--admin", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--data")
    p.add_argument("--routes", type=int, default=1)
    p.add_argument("--rate", type=float, default=100)
    p.add_argument("--conns", type=int, default=2, help="churn: admin connections (each its own thread)")
    p.add_argument("--duration", type=float, default=15)
    p.add_argument("-n", type=int, default=300)
    p.add_argument("--timeout", type=float, default=2.0, help="probe: give up on one change after this many seconds")
    p.add_argument("--pause", type=float, default=0.005, help="probe: pause between changes (s)")
    p.add_argument("--mode", default="", help="probe: a label for the report (standalone, etcd)")
    p.add_argument("--upstream-every", type=int, default=20, help="writes: every Kth PUT is the upstream's (0: never)")
    p.add_argument("--out", default="/dev/null")
    a = p.parse_args()
    {"seed": seed, "bulkseed": bulkseed, "writes": writes, "churn": churn, "probe": probe}[a.cmd](a)


if __name__ == "__main__":
    main()
