#!/usr/bin/env python3
"""Results of the load run (see README.md here).

  report.py record RESULTS.jsonl CASE PROXY ROUTES CHURN WRK_OUTPUT CPU_SECONDS [CHURN.json]
      parses one wrk --latency output and appends one JSON line
  report.py table RESULTS.jsonl [PROBE.json ...]
      prints the summary: per case rps, p50, p99, failures, proxy CPU; gateway/nginx ratios
"""
import json
import re
import statistics
import sys

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(m.group(1)) * UNITS[m.group(2)]


def parse_wrk(text):
    r = {"non2xx": 0, "sock_connect": 0, "sock_read": 0, "sock_write": 0, "sock_timeout": 0}
    for line in text.splitlines():
        line = line.strip()
        m = re.match(r"(50|75|90|99)%\s+(\S+)$", line)
        if m:
            r[f"p{m.group(1)}_ms"] = ms(m.group(2))
        m = re.match(r"Requests/sec:\s+([\d.]+)", line)
        if m:
            r["rps"] = float(m.group(1))
        m = re.match(r"(\d+) requests in ([\d.]+\w+)", line)
        if m:
            r["requests"] = int(m.group(1))
        m = re.match(r"Non-2xx or 3xx responses:\s+(\d+)", line)
        if m:
            r["non2xx"] = int(m.group(1))
        m = re.match(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", line)
        if m:
            r["sock_connect"], r["sock_read"], r["sock_write"], r["sock_timeout"] = map(int, m.groups())
    if "rps" not in r or "p99_ms" not in r:
        raise SystemExit("report.py: not a wrk --latency output:\n" + text)
    r["sock_errors"] = r["sock_connect"] + r["sock_read"] + r["sock_write"] + r["sock_timeout"]
    return r


def record(path, case, proxy, routes, churn, wrk_file, cpu_s, churn_file=None):
    r = parse_wrk(open(wrk_file).read())
    r.update(case=case, proxy=proxy, routes=int(routes), churn=churn == "yes", cpu_s=float(cpu_s))
    r["cpu_us_per_req"] = round(float(cpu_s) * 1e6 / r["requests"], 1) if r.get("requests") else None
    if churn_file:
        r["churn_stats"] = json.load(open(churn_file))
    with open(path, "a") as f:
        f.write(json.dumps(r) + "\n")


def fmt_ms(v):
    return "-" if v is None else f"{v:.2f}"


def table(path, probes):
    rows = [json.loads(l) for l in open(path) if l.strip()]
    cases = {}
    for r in rows:  # several rounds: the median of each figure
        cases.setdefault(r["case"], []).append(r)
    agg = {}
    for case, rs in cases.items():
        a = dict(rs[0])
        for k in ("rps", "p50_ms", "p99_ms", "cpu_us_per_req"):
            a[k] = round(statistics.median(x[k] for x in rs), 2)
        for k in ("non2xx", "sock_errors"):
            a[k] = sum(x[k] for x in rs)
        a["rounds"] = len(rs)
        a["rps_runs"] = [round(x["rps"]) for x in rs]
        a["p99_runs"] = [round(x["p99_ms"], 2) for x in rs]
        if rs[0].get("churn_stats"):
            a["admin_changes"] = sum(x["churn_stats"]["changes"] for x in rs)
            a["admin_failed"] = sum(x["churn_stats"]["failed"] for x in rs)
            a["admin_rate"] = statistics.median(x["churn_stats"]["rate"] for x in rs)
            a["admin_put_p99"] = max(x["churn_stats"]["put_p99_ms"] for x in rs)
        agg[case] = a
    out = []
    hdr = "| case | proxy | routes | route changes | rps | p50 ms | p99 ms | non-2xx | socket errors | proxy CPU us/req | rps vs nginx | p99 vs nginx |"
    out += [hdr, "|" + "---|" * 12]
    for case, a in agg.items():
        base = agg.get(f"nginx-{a['routes']}")
        rr = pr = "-"
        if a["proxy"] == "gateway" and base:
            rr = f"{a['rps'] / base['rps']:.2f}x"
            pr = f"{a['p99_ms'] / base['p99_ms']:.2f}x"
        changes = "-"
        if a["churn"]:
            changes = f"{a['admin_rate']:.0f}/s ({a['admin_changes']} PUTs, {a['admin_failed']} failed, PUT p99 {a['admin_put_p99']:.1f} ms)"
        elif a["proxy"] == "nginx":
            changes = "none (nginx would need a reload)"
        else:
            changes = "none"
        out.append(f"| {case} | {a['proxy']} | {a['routes']:,} | {changes} | {a['rps']:,.0f} | {fmt_ms(a['p50_ms'])} | "
                   f"{fmt_ms(a['p99_ms'])} | {a['non2xx']} | {a['sock_errors']} | {a['cpu_us_per_req']} | {rr} | {pr} |")
    if any(a["rounds"] > 1 for a in agg.values()):
        out.append("")
        out.append("Medians over rounds; per round: " + "; ".join(
            f"{c} rps {a['rps_runs']} p99 {a['p99_runs']}" for c, a in agg.items()))
    for p in probes:
        d = json.load(open(p))
        if d.get("errors"):
            out.append(f"probe {d.get('mode')}: errors {d['errors']}")
    if probes:
        out += ["", "| admin PUT -> visible | mode | n | visible | on first GET | p50 ms | p99 ms | max ms | PUT p50 / p99 ms | GET round trip p50 ms |",
                "|" + "---|" * 10]
        for p in probes:
            d = json.load(open(p))
            out.append(f"| probe | {d.get('mode', '?')} | {d['n']} | {d['visible']} | {d['first_get_200']} | {fmt_ms(d['vis_p50_ms'])} | "
                       f"{fmt_ms(d['vis_p99_ms'])} | {fmt_ms(d['vis_max_ms'])} | {fmt_ms(d['put_p50_ms'])} / {fmt_ms(d['put_p99_ms'])} | "
                       f"{d['get_rtt_p50_ms']:.3f} |")
    print("\n".join(out))


def main(argv):
    if len(argv) >= 7 and argv[0] == "record":
        record(*argv[1:])
    elif len(argv) >= 2 and argv[0] == "table":
        table(argv[1], argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
