"""What SLA clocks cost `list`: whole processes on a replica, without a policy and with one.

    python benchmarks/run.py --conversations 20000 --reuse     # makes benchmarks/work/replica-...
    python benchmarks/sla_bench.py --home benchmarks/work/replica-20000x5 --runs 11

On a copy of the replica (the original is left as it was): `list --limit 50` with no
policy, then `sla add` of a default policy (every conversation is timed again: the first
time from the views, then from the facts the index keeps), then `list --limit 50` plain,
`--sla breaching`, `--sla due`, `--sla met` and `--sort due`, piped and on a terminal.
Medians of whole processes; the plain listings before and after alternate with each other,
so a slow minute falls on both.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import inbox, median_ms, run_rss  # noqa: E402

POLICY = ["--next-response", "4h", "--hours", "Mon-Fri 09:00-17:00 Europe/Berlin", "--default"]
LISTS = {
    "list --limit 50": [],
    "list --limit 50 --sla breaching": ["--sla", "breaching"],
    "list --limit 50 --sla due": ["--sla", "due"],
    "list --limit 50 --sla met": ["--sla", "met"],
    "list --limit 50 --sort due": ["--sort", "due"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, required=True, help="a replica to copy")
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    exe = [str(Path(sys.executable).parent / "inbox")]
    with tempfile.TemporaryDirectory() as scratch:
        plain, timed = Path(scratch) / "plain", Path(scratch) / "timed"
        shutil.copytree(args.home, plain)
        env = {"INBOX_HOME": str(plain), "PATH": str(Path(sys.executable).parent)}
        inbox("list", "--limit", "1", env=env)  # any migration, before the copy and timing
        shutil.copytree(plain, timed)
        timed_env = {**env, "INBOX_HOME": str(timed)}
        out: dict[str, object] = {}
        for n, spans in enumerate((["--resolution", "2d"], ["--resolution", "3d"])):
            start = time.perf_counter()
            inbox(
                "sla", "add", "standard", "--first-response", "1h", *spans, *POLICY, env=timed_env
            )
            out[f"sla add ({'from views' if n == 0 else 'from facts'})_s"] = round(
                time.perf_counter() - start, 2
            )
        samples: dict[str, list[float]] = {}
        for _ in range(args.runs):
            for name, home_env in (("no policy", env), ("a default policy", timed_env)):
                for terminal in (False, True):
                    key = f"list --limit 50 ({name}{', terminal' if terminal else ''})"
                    argv = [*exe, "list", "--limit", "50"]
                    samples.setdefault(key, []).append(run_rss(argv, home_env, terminal)[0])
            for name, extra in list(LISTS.items())[1:]:
                argv = [*exe, "list", "--limit", "50", *extra]
                samples.setdefault(name, []).append(run_rss(argv, timed_env)[0])
        out.update({k: median_ms(v) for k, v in samples.items()})
        print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
