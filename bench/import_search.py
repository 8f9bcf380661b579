#!/usr/bin/env python3
"""Measures ledger import, search, evaluation and the API on demand (never in CI): the demo ledger and a generated
CSV ledger of a scale (scripts/generate_demo.py --scale county|city|province) are imported with the release binary,
timed against the sqlite3 shell putting the same resource and item rows into plain tables and into the product's
own tables (the no-validation references, measured in the same run); then funding is evaluated for every system,
the server is started on the imported database, Chinese search latency is sampled over loopback and wrk loads the API.

    swift build -c release --product ybz
    python3 bench/import_search.py --scale city [--files DIR]   # DIR: generated files to reuse
"""
import argparse, csv, itertools, json, os, shutil, socket, statistics, subprocess, sys, tempfile, time, urllib.parse, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
YBZ = os.path.join(ROOT, ".build", "release", "ybz")


def timed(cmd, **kw):
    start = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, **kw)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return elapsed


def peak_rss_mb(cmd):
    """Runs cmd under /usr/bin/time -v when available and returns (seconds, peak RSS in MB or None)."""
    if not os.path.exists("/usr/bin/time"):
        return timed(cmd), None
    start = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    for line in result.stderr.splitlines():
        if "Maximum resident set size" in line:
            return elapsed, int(line.split()[-1]) / 1024
    return elapsed, None


def count_rows(path):
    """Data rows of a CSV file (its lines less the header; generated cells hold no line breaks)."""
    with open(path, "rb") as f:
        return sum(1 for _ in f) - 1


def header(path):
    """The column headers of a generated CSV file."""
    with open(path, encoding="utf-8-sig") as f:
        return next(csv.reader(f))


def plain_columns(path):
    """c1, c2, … for each column of a CSV file (the reference tables take the rows by position)."""
    return [f"c{i}" for i in range(1, len(header(path)) + 1)]


def sqlite_reference(folder, work):
    """The sqlite3 shell importing the same CSV rows into plain tables (no validation, no index but keys)."""
    db = os.path.join(work, "reference.sqlite")
    resource_columns = plain_columns(f"{folder}/resources.csv")
    script = "\n".join([
        "PRAGMA journal_mode=WAL;",
        f"CREATE TABLE resource({resource_columns[0]} TEXT PRIMARY KEY, {', '.join(resource_columns[1:])});",
        "CREATE TABLE data_item(resource TEXT, seq INTEGER, name, type, length, PRIMARY KEY(resource, seq)) WITHOUT ROWID;",
        ".mode csv",
        f".import --skip 1 {folder}/resources.csv resource",
        f".import --skip 1 {folder}/data-items.csv data_item",
    ])
    start = time.perf_counter()
    subprocess.run(["sqlite3", db], input=script, text=True, check=True, capture_output=True)
    return time.perf_counter() - start


def sqlite_reference_product_tables(folder, work):
    """The sqlite3 shell putting the same rows into the product's own tables without validation: `.import` into
    staging tables, then INSERT … SELECT into `resource` (with its JSON body and indexes), `data_item` and the FTS5
    trigram index — the practical limit for this schema. Units and systems are loaded first with ybz (untimed)."""
    data = os.path.join(work, "reference-product")
    subprocess.run([YBZ, "import", "--data", data] + [f"{folder}/{kind}.csv" for kind in ("units", "projects", "systems")],
                   cwd=ROOT, check=True, capture_output=True)
    # The generated resources.csv columns by name (scripts/generate_demo.py COLUMNS), the rest kept as c<N>.
    names = {"信息资源代码": "code", "信息资源名称": "name", "来源系统编号": "system", "信息资源摘要": "summary",
             "信息资源格式": "format", "共享类型": "share_type", "共享条件": "share_condition", "共享方式": "share_method",
             "更新周期": "update_cycle", "结构化记录总数": "records", "目录状态": "state"}
    r_columns = [names.get(h, f"c{i}") for i, h in enumerate(header(f"{folder}/resources.csv"))]
    script = "\n".join([
        "PRAGMA foreign_keys=ON;",
        f"CREATE TEMP TABLE r_in({', '.join(r_columns)});",
        "CREATE TEMP TABLE d_in(resource, seq, name, type, length);",
        ".mode csv",
        f".import --skip 1 {folder}/resources.csv r_in",
        f".import --skip 1 {folder}/data-items.csv d_in",
        "BEGIN;",
        "INSERT INTO resource (key, name, system_key, unit_key, share_type, update_cycle, state, body, version, updated_at)"
        " SELECT r.code, r.name, r.system, s.unit_key, r.share_type, r.update_cycle, r.state,"
        " json_object('code', r.code, 'name', r.name, 'systemCode', r.system, 'summary', r.summary, 'format', r.format,"
        " 'shareType', r.share_type, 'shareCondition', nullif(r.share_condition, ''), 'shareMethod', nullif(r.share_method, ''),"
        " 'updateCycle', r.update_cycle, 'records', cast(r.records AS INTEGER), 'state', r.state, 'items', json('[]'),"
        " 'openToPublic', json('false'), 'relatedCodes', json('[]')), 1, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
        " FROM r_in r JOIN system s ON s.key = r.system;",
        "INSERT INTO data_item (resource_id, seq, name, type, length)"
        " SELECT res.id, cast(d.seq AS INTEGER), d.name, d.type, cast(nullif(d.length, '') AS INTEGER) FROM d_in d JOIN resource res ON res.key = d.resource;",
        "INSERT INTO resource_fts (rowid, text) SELECT res.id, res.key || ' ' || res.name || ' ' || json_extract(res.body, '$.summary') || ' ' ||"
        " (SELECT group_concat(name, ' ') FROM data_item WHERE resource_id = res.id) FROM resource res;",
        "COMMIT;",
    ])
    start = time.perf_counter()
    subprocess.run(["sqlite3", os.path.join(data, "ledger.sqlite")], input=script, text=True, check=True, capture_output=True)
    return time.perf_counter() - start


def bigrams(text):
    """The product's bigram index text (`Bigrams.text` in Sources/LedgerStore/Search/SearchIndex.swift)."""
    import unicodedata
    def word(ch):
        if ch.isascii():
            return ch.isalnum()
        if "\u4e00" <= ch <= "\u9fff":
            return True
        return unicodedata.category(ch) not in ("Zs", "Zl", "Zp", "Cc", "Cf", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po")
    out, previous = [], None
    for ch in text or "":
        if not word(ch):
            if previous is not None:
                out.append(previous)
                previous = None
            continue
        if previous is not None:
            out.append(previous + ch)
        previous = ch
    if previous is not None:
        out.append(previous)
    return " ".join(out)


def sqlite_reference_same_rows(source, work):
    """The sqlite3 shell writing exactly the rows a product import stored (`source`: that import's ledger.sqlite) into
    an empty ledger of the same schema: every record table, the data items, the audit entries and all four full-text
    tables per searchable table, in one transaction with the product's page cache. The rows are dumped to CSV
    beforehand (untimed, with the bigram text worked out in Python); the timed part is `.import` of those CSV files
    into staging tables and INSERT … SELECT into the product's tables: the same write work without any checking."""
    import sqlite3
    stage = os.path.join(work, "same-rows")
    shutil.rmtree(stage, ignore_errors=True)
    os.makedirs(stage)
    target = os.path.join(stage, "ledger")
    subprocess.run([YBZ, "audit", "verify", "--data", target], cwd=ROOT, check=True, capture_output=True)  # empty schema
    con = sqlite3.connect(source)
    script = ["PRAGMA cache_size = -131072;", ".mode csv"]
    inserts = []
    def dump(name, columns, rows, into, nullable):
        path = os.path.join(stage, f"{name}.csv")
        with open(path, "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(rows)
        script.append(f"CREATE TEMP TABLE s_{name}({', '.join(columns)});")
        script.append(f".import {path} s_{name}")
        values = ", ".join(f"nullif({c}, '')" if c in nullable else c for c in columns)
        inserts.append(f"INSERT INTO {into} ({', '.join(columns)}) SELECT {values} FROM s_{name};")
    for table in ("unit", "project", "system", "resource", "data_item", "audit_entry"):
        info = con.execute(f"PRAGMA table_info({table})").fetchall()
        columns = [row[1] for row in info]
        nullable = {row[1] for row in info if not row[3] and not row[5]}
        dump(table, columns, con.execute(f"SELECT {', '.join(columns)} FROM {table}"), table, nullable)
    for table in ("system", "resource"):
        rows = con.execute(f"SELECT rowid, name, text FROM {table}_fts").fetchall()
        dump(f"{table}_fts", ["rowid", "name", "text"], rows, f"{table}_fts", set())
        dump(f"{table}_names", ["rowid", "name"], ((r, n) for r, n, _ in rows), f"{table}_names", set())
        grams = [(r, bigrams(n), bigrams(t)) for r, n, t in rows]
        dump(f"{table}_grams", ["rowid", "name", "text"], grams, f"{table}_grams", set())
        dump(f"{table}_name_grams", ["rowid", "name"], ((r, n) for r, n, _ in grams), f"{table}_name_grams", set())
    con.close()
    script += ["BEGIN;"] + inserts + ["COMMIT;"]
    start = time.perf_counter()
    subprocess.run(["sqlite3", os.path.join(target, "ledger.sqlite")], input="\n".join(script), text=True, check=True,
                   capture_output=True)
    return time.perf_counter() - start


def rss_mb(pid, field="VmRSS"):
    """Resident (or, with VmHWM, peak resident) memory of a process in MB."""
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return None


def wrk(url, token, script=None, seconds=10):
    """Requests per second of `wrk -t2 -c32` against url (None without wrk)."""
    if not shutil.which("wrk"):
        return None
    cmd = ["wrk", "-t2", "-c32", f"-d{seconds}s", "-H", f"Authorization: Bearer {token}", url]
    if script:
        cmd[1:1] = ["-s", script]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith("Requests/sec:"):
            return float(line.split()[1])
    return None


def api_load(port, token, pid, system):
    """wrk against a constant route (the ceiling: /healthz, no database), a read (a system) and a write (a waiver
    appended with its audit entry), with the server's RSS under load."""
    if not shutil.which("wrk"):
        print("(API load skipped: apt-get install wrk)")
        return None
    base = f"http://127.0.0.1:{port}"
    write = os.path.join(tempfile.mkdtemp(prefix="ybz-wrk-"), "write.lua")
    with open(write, "w") as f:
        f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                'wrk.body = \'{"check": "cloud", "reason": "benchmark", "approver": "bench", "expiresOn": "2027-12-31"}\'\n')
    return {"ceiling": wrk(f"{base}/healthz", token), "read": wrk(f"{base}/api/v1/systems/{system}", token),
            "write": wrk(f"{base}/api/v1/systems/{system}/waivers", token, script=write),
            "rss_peak": rss_mb(pid, "VmHWM")}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api_token(data):
    """An admin account and token on the benchmark database (every API route needs one; the write test grants waivers)."""
    subprocess.run([YBZ, "user", "add", "bench", "--role", "admin", "--data", data], cwd=ROOT, check=True,
                   input="benchmark-password\n", text=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return subprocess.run([YBZ, "token", "create", "bench", "--data", data], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout.strip()


def search_latencies(data, queries, rounds, system):
    token = api_token(data)
    port = free_port()
    server = subprocess.Popen([YBZ, "serve", "--data", data, "--port", str(port)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        samples = {"_pid": server.pid, "_port": port, "_token": token}
        samples["_rss_idle"] = rss_mb(server.pid)
        for query in queries:
            url = f"http://127.0.0.1:{port}/api/v1/search?" + urllib.parse.urlencode(query)
            times = []
            for _ in range(rounds):
                start = time.perf_counter()
                request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
                body = urllib.request.urlopen(request, timeout=30).read()
                times.append((time.perf_counter() - start) * 1000)
            total = json.loads(body)["total"]
            times.sort()
            samples[json.dumps(query, ensure_ascii=False)] = (total, statistics.median(times), times[int(len(times) * 0.95) - 1])
        samples["_api"] = api_load(port, token, server.pid, system)
        return samples
    finally:
        server.terminate()
        server.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="city", choices=["county", "city", "province"])
    parser.add_argument("--files", help="a folder the generator already wrote for this scale (else generated anew)")
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--json", help="also write the measurements to this file (bench/all.py reads it)")
    parser.add_argument("--keep", help="work in this new folder and keep it (the imported databases) afterwards")
    args = parser.parse_args()
    if not os.path.exists(YBZ):
        sys.exit("build first: swift build -c release --product ybz")
    work = args.keep or tempfile.mkdtemp(prefix="ybz-bench-")
    os.makedirs(work, exist_ok=True)
    try:
        demo = timed([YBZ, "import", "--data", f"{work}/demo", os.path.join(ROOT, "catalog/demo/tengzhou-demo.json")], cwd=ROOT)
        folder = args.files or f"{work}/csv"
        if not args.files:
            subprocess.run([sys.executable, os.path.join(ROOT, "scripts/generate_demo.py"), "--scale", args.scale,
                            "--out", folder], check=True)
        files = [f"{folder}/{name}.csv" for name in ("units", "projects", "systems", "resources", "data-items")]
        resources, items, systems = (count_rows(f"{folder}/{kind}.csv") for kind in ("resources", "data-items", "systems"))
        with open(f"{folder}/systems.csv", encoding="utf-8-sig") as f:
            first_system = list(itertools.islice(csv.reader(f), 2))[1][0]
        size_mb = sum(os.path.getsize(f) for f in files) / 1e6
        seconds, rss = peak_rss_mb([YBZ, "import", "--data", f"{work}/big"] + files)
        reference = sqlite_reference(folder, work)
        product_reference = sqlite_reference_product_tables(folder, work)
        print(f"demo ledger import (758 rows, 7,620 items): {demo:.2f} s")
        print(f"{resources:,} resources + {items:,} items ({size_mb:.0f} MB CSV): {seconds:.1f} s "
              f"= {resources / seconds:,.0f} resources/s, {items / seconds:,.0f} items/s; peak RSS {rss or 0:.0f} MB")
        print(f"sqlite3 .import of the same resource and item rows into plain tables (reference): {reference:.1f} s; ratio {seconds / reference:.2f}x")
        print(f"sqlite3 into the product's tables (JSON body, indexes, FTS5; reference): {product_reference:.1f} s; "
              f"ratio {seconds / product_reference:.2f}x")
        evaluation = timed([YBZ, "funding", "--data", f"{work}/big", "--year", "2027"], cwd=ROOT)
        print(f"funding evaluation of {systems:,} systems (stored batch): {evaluation:.1f} s")
        queries = [{"q": "不动产"}, {"q": "不动产登记", "kind": "resource"}, {"q": "社会保障卡", "shareType": "无条件共享"},
                   {"q": "登记", "kind": "resource"}, {"q": "公民身份号码", "kind": "resource", "limit": "20"}]
        samples = search_latencies(f"{work}/big", queries, args.rounds, first_system)
        api = samples.pop("_api")
        rss_idle = samples.pop("_rss_idle")
        for key in ("_pid", "_port", "_token"):
            samples.pop(key)
        for query, (total, p50, p95) in samples.items():
            print(f"search {query}: {total:,} hits, p50 {p50:.1f} ms, p95 {p95:.1f} ms")
        if api:
            print(f"API (wrk -t2 -c32): ceiling /healthz {api['ceiling']:,.0f} req/s, read a system {api['read']:,.0f} req/s "
                  f"({api['read'] / api['ceiling']:.0%}), write a waiver {api['write']:,.0f} req/s")
        print(f"ybz serve RSS: idle {rss_idle:.0f} MB, peak under load {api['rss_peak'] if api else 0:.0f} MB")
        if args.json:
            worst = max(p95 for _, (_, _, p95) in samples.items())
            results = {
                "import": {"value": round(seconds, 1), "unit": "s", "reference": round(product_reference, 1),
                           "reference_name": "sqlite3 into the product's tables", "ratio": round(seconds / product_reference, 2),
                           "target": "<= 2x", "met": seconds / product_reference <= 2,
                           "detail": f"{resources} resources + {items} items; plain-table .import {reference:.1f} s"},
                "import peak memory": {"value": round(rss or 0), "unit": "MB", "target": "< 300 MB", "met": (rss or 0) < 300},
                "search p95 (worst query)": {"value": round(worst, 1), "unit": "ms", "target": "< 50 ms", "met": worst < 50},
                "evaluation": {"value": round(evaluation, 1), "unit": "s", "target": "< 5 s for 50,000 systems",
                               "met": evaluation * 50000 / systems < 5, "detail": f"{systems} systems"},
                "serve RSS idle": {"value": round(rss_idle or 0), "unit": "MB"},
            }
            if api:
                results["API read"] = {"value": round(api["read"]), "unit": "req/s", "reference": round(api["ceiling"]),
                                       "reference_name": "constant route", "ratio": round(api["read"] / api["ceiling"], 2),
                                       "target": ">= 50% of the ceiling", "met": api["read"] >= api["ceiling"] / 2}
                results["API write"] = {"value": round(api["write"]), "unit": "req/s"}
                results["serve RSS under load"] = {"value": round(api["rss_peak"] or 0), "unit": "MB"}
            with open(args.json, "w") as f:
                json.dump(results, f, ensure_ascii=False, indent=1)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
