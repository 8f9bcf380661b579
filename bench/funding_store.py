#!/usr/bin/env python3
"""Measures the evaluation store on demand (issue 16; never in CI): on an imported ledger (bench/import_search.py
--keep, or `ybz import` of scripts/generate_demo.py's files) it runs whole-ledger funding evaluations with the release
binary and reports, for each, the wall time, the peak memory and the bytes it added to the database (pages in use,
after a checkpoint):

  1. the first batch (warm: the ledger is read once before, as a page cache holds it after use);
  2. a second batch on the unchanged ledger (the first is its reference: the share of its bytes);
  3. a batch after one system's record is edited through an import of one row (it must decide that system alone);
  4. a replay of the first batch, which must match it byte for byte.

    swift build -c release --product ybz
    python3 bench/funding_store.py --data DIR [--year 2027] [--as-of 2026-12-01]
    python3 bench/funding_store.py --data DIR --as-of D --first-only --ybz OTHER   # a reference build's first batch
    python3 bench/funding_store.py --database postgres://…   # the same on a PostgreSQL ledger (bytes: the database's size)
"""
import argparse, csv, os, re, sqlite3, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
YBZ = os.path.join(ROOT, ".build", "release", "ybz")


def run(cmd):
    """Runs cmd under /usr/bin/time -v: (seconds, peak RSS in MB, standard output)."""
    start = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    rss = next(int(line.split()[-1]) / 1024 for line in result.stderr.splitlines() if "Maximum resident set size" in line)
    return elapsed, rss, result.stdout


def psql(url, sql):
    """The first column of the first row `sql` answers on the PostgreSQL database `url`."""
    return subprocess.run(["psql", url, "-tAc", sql], check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]


def used_bytes(db):
    """Bytes of the pages in use, after moving the WAL into the file (PostgreSQL: the database's size on disk)."""
    if db.startswith("postgres://"):
        return int(psql(db, "SELECT pg_database_size(current_database())"))
    with sqlite3.connect(db) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages, free, size = (connection.execute(f"PRAGMA {name}").fetchone()[0] for name in ("page_count", "freelist_count", "page_size"))
    return (pages - free) * size


def warm(db):
    """Reads the tables an evaluation reads, so that the first run is measured warm as the later ones are."""
    if db.startswith("postgres://"):
        for table in ("system", "project", "resource", "data_item", "probe_verdict", "waiver"):
            psql(db, f"SELECT count(*) FROM {table}")
        psql(db, "SELECT sum(length(body)) FROM system UNION ALL SELECT sum(length(body)) FROM project")
        return
    with sqlite3.connect(db) as connection:
        for table in ("system", "project", "resource", "data_item", "probe_verdict", "waiver"):
            connection.execute(f"SELECT count(*) FROM {table}").fetchone()
        for table in ("system", "project"):
            connection.execute(f"SELECT sum(length(body)) FROM {table}").fetchone()
        connection.execute("SELECT sum(length(name)), sum(length(share_type)) FROM resource").fetchone()
        connection.execute("SELECT count(*) FROM data_item GROUP BY resource_id").fetchall()


def main():
    parser = argparse.ArgumentParser()
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--data", help="a data folder holding ledger.sqlite")
    where.add_argument("--database", help="a PostgreSQL ledger: postgres://USER@HOST:PORT/DATABASE")
    parser.add_argument("--year", default="2027")
    parser.add_argument("--as-of", default="2026-12-01")
    parser.add_argument("--ybz", default=YBZ, help="the binary to measure (a reference build, say)")
    parser.add_argument("--first-only", action="store_true", help="measure only a first batch (a new as-of date each time)")
    args = parser.parse_args()
    ybz = args.ybz
    store = ["--database", args.database] if args.database else ["--data", args.data]
    db = args.database or os.path.join(args.data, "ledger.sqlite")
    funding = [ybz, "funding"] + store + ["--year", args.year, "--as-of", args.as_of]
    out = tempfile.mkdtemp(prefix="ybz-funding-")
    if args.database:
        systems, code = int(psql(db, "SELECT count(*) FROM system")), psql(db, "SELECT key FROM system ORDER BY key LIMIT 1")
    else:
        with sqlite3.connect(db) as connection:
            systems = connection.execute("SELECT count(*) FROM system").fetchone()[0]
            code, _ = connection.execute("SELECT key, body FROM system ORDER BY key LIMIT 1").fetchone()
    warm(db)
    rows = []

    def batch(label, reference=None):
        before = used_bytes(db)
        seconds, rss, stdout = run(funding + ["--out", os.path.join(out, f"{len(rows)}.txt")])
        added = used_bytes(db) - before
        with open(os.path.join(out, f"{len(rows)}.txt"), encoding="utf-8") as f:
            first = f.readline()
        reused = re.search(r"输入未变的 (\d+) 个系统", first)
        rows.append((label, seconds, rss, added, int(reused.group(1)) if reused else 0, reference))
        print(f"{label}: {seconds:.1f} s, peak {rss:.0f} MB, +{added / 1e6:.1f} MB, reused {rows[-1][4]:,} of {systems:,}", flush=True)
        return int(re.search(r"批次 #(\d+)", first).group(1))

    first = batch("first whole-ledger batch")
    if args.first_only:
        return
    batch("second batch, ledger unchanged", reference=0)
    # One system edited through an import of its exported row with a new name.
    export = os.path.join(out, "export")
    subprocess.run([ybz, "export"] + store + ["--format", "csv", "--system", code, "--out", export], check=True, capture_output=True)
    systems_file = next(os.path.join(export, name) for name in sorted(os.listdir(export)) if "system" in name)
    with open(systems_file, encoding="utf-8-sig") as f:
        head, row = list(csv.reader(f))[:2]
    column = next(i for i, title in enumerate(head) if "名称" in title)
    row[column] = row[column] + "（复核）"
    edited = os.path.join(out, "systems.csv")
    with open(edited, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows([head, row])
    subprocess.run([ybz, "import"] + store + [edited], check=True, capture_output=True)
    batch("after editing one system", reference=0)
    replay_seconds, replay_rss, stdout = run([ybz, "funding"] + store + ["--replay", str(first)])
    print(f"replay of batch #{first}: {replay_seconds:.1f} s, peak {replay_rss:.0f} MB: {stdout.strip()[:120]}")
    print()
    print("| run | time | peak memory | bytes added | decisions reused |")
    print("|---|---|---|---|---|")
    for label, seconds, rss, added, reused, reference in rows:
        share = f" ({added / rows[reference][3] * 100:.2f} % of the first)" if reference is not None else ""
        print(f"| {label} | {seconds:.1f} s | {rss:.0f} MB | {added / 1e6:.1f} MB{share} | {reused:,} of {systems:,} |")
    print(f"| replay of the first batch | {replay_seconds:.1f} s | {replay_rss:.0f} MB | | |")


if __name__ == "__main__":
    main()
