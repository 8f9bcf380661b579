#!/usr/bin/env python3
"""Runs every benchmark (on demand, never in CI) and prints one table: import and its memory, search, evaluation,
API throughput against a constant route, server memory (bench/import_search.py), and the probe sweep
(bench/probe_sweep.py). Each figure is compared with bench/results.json — the last committed run — so a regression
shows; `--save` replaces that file with this run.

    swift build -c release --product ybz
    apt-get install -y wrk sqlite3          # wrk for the API figures
    python3 bench/all.py [--scale city|county|province] [--files DIR] [--probes 10000] [--save]
"""
import argparse, json, os, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "bench", "results.json")


def run(script, *args):
    out = tempfile.mktemp(suffix=".json")
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", script), *args, "--json", out], check=True)
    with open(out) as f:
        return json.load(f)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="city", choices=["county", "city", "province"])
    parser.add_argument("--files", help="a folder scripts/generate_demo.py already wrote for this scale")
    parser.add_argument("--keep", help="keep the imported databases in this new folder")
    parser.add_argument("--probes", type=int, default=10000)
    parser.add_argument("--save", action="store_true", help="write this run to bench/results.json")
    args = parser.parse_args()
    results = run("import_search.py", "--scale", args.scale, "--rounds", "30", *(["--files", args.files] if args.files else []),
                  *(["--keep", args.keep] if args.keep else []))
    results.update(run("probe_sweep.py", "--probes", str(args.probes)))
    previous = json.load(open(RESULTS))["results"] if os.path.exists(RESULTS) else {}
    print()
    print(f"{'benchmark':<26} {'value':>12} {'reference':>12} {'ratio':>7} {'target':<28} {'met':<4} {'last run':>12}")
    for name, r in results.items():
        last = previous.get(name, {}).get("value")
        change = "" if last in (None, 0) else f"{last:g} ({(r['value'] - last) / last:+.0%})"
        print(f"{name:<26} {r['value']:>9g} {r['unit']:<2} {r.get('reference', ''):>12} {r.get('ratio', ''):>7} "
              f"{r.get('target', ''):<28} {('yes' if r.get('met') else 'no') if 'met' in r else '':<4} {change:>12}")
    if args.save:
        machine = subprocess.run(["uname", "-srm"], capture_output=True, text=True).stdout.strip()
        cpus = os.cpu_count()
        with open(RESULTS, "w") as f:
            json.dump({"machine": f"{machine}, {cpus} CPUs", "scale": args.scale, "probes": args.probes, "results": results},
                      f, ensure_ascii=False, indent=1)
        print(f"saved to {RESULTS}")


if __name__ == "__main__":
    main()
