#!/usr/bin/env python3
# SPDX-License-Identifier: (MIT OR Apache-2.0)
"""Turn one guest run's results into lines of a meson-style JSON test log
(one object per line with "name" and "result" OK/FAIL/SKIP, which
scripts/test.sh counts) and print each result with its output.

  report.py --log LOG RUN_DIR CONFIG    append the results of a boot.sh run
  report.py --log LOG --skip REASON     record that the VM stage was skipped
  report.py --log LOG --fail REASON     record that it failed outside a test
  report.py --log LOG --summary         print the totals; exit 1 on a failure

Every name in RUN_DIR/expected gets a line: a step with no result (the
guest crashed, hung or never booted) is a failure, never a silent gap.
"""
import argparse
import json
import os
import sys


def read(path, default=None):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return default


def entry(name, result, out, rc=None, secs=0.0):
    return {"name": name, "result": result, "returncode": rc,
            "duration": secs, "stdout": out}


def results(run, config):
    res = os.path.join(run, "work", "results")
    qemu_rc = (read(os.path.join(run, "qemu.rc"), "?") or "?").strip()
    console = read(os.path.join(run, "console.log"), "")
    why = ("qemu was stopped by its timeout" if qemu_rc == "124"
           else f"qemu exited with {qemu_rc}")
    tail = "\n".join(console.splitlines()[-40:])
    setup_failed = False
    for name in read(os.path.join(run, "expected"), "").split():
        base = os.path.join(res, name)
        rc = read(base + ".rc")
        out = read(base + ".log")
        secs = float(read(base + ".secs", "0") or 0)
        full = f"vm/{config}/{name}"
        if rc is None:
            if name == "setup" and out is None:
                msg = f"the guest never ran its setup ({why}); console:\n{tail}"
            elif setup_failed:
                msg = "not run: the guest setup failed"
            elif out is None:
                msg = f"not run: the guest stopped before it ({why})"
            else:
                # The console (kernel messages included) says why.
                msg = (f"no result: the guest stopped during it ({why});"
                       f"\nits output so far:\n{out}console:\n{tail}")
            if name == "setup":
                setup_failed = True
            yield entry(full, "FAIL", msg)
            continue
        rc = int(rc)
        result = "OK" if rc == 0 else "SKIP" if rc == 77 else "FAIL"
        if name == "setup" and rc != 0:
            setup_failed = True
        yield entry(full, result, out, rc, secs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    ap.add_argument("--skip")
    ap.add_argument("--fail")
    ap.add_argument("--summary", action="store_true")
    ap.add_argument("run", nargs="?")
    ap.add_argument("config", nargs="?")
    a = ap.parse_args()

    if a.summary:
        counts = {"OK": 0, "FAIL": 0, "SKIP": 0}
        for line in open(a.log):
            counts[json.loads(line)["result"]] += 1
        print(f"vm: {counts['OK']} passed, {counts['FAIL']} failed, "
              f"{counts['SKIP']} skipped")
        return 1 if counts["FAIL"] else 0

    if a.skip:
        entries = [entry("vm", "SKIP", a.skip + "\n")]
    elif a.fail:
        entries = [entry("vm", "FAIL", a.fail + "\n")]
    else:
        entries = list(results(a.run, a.config))
    with open(a.log, "a") as log:
        for e in entries:
            log.write(json.dumps(e) + "\n")
            rc = "" if e["returncode"] is None else f", exit {e['returncode']}"
            print(f"vm: {e['name']}: {e['result']} "
                  f"({e['duration']:.1f} s{rc})")
            for line in e["stdout"].splitlines():
                print(f"    {line}")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
