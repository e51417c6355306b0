#!/usr/bin/env python3
# SPDX-License-Identifier: (MIT OR Apache-2.0)
"""Check the include rules between the library's layers (the "seam",
docs/architecture.md):

  - a driver (src/drivers/NAME/) includes its own files, a shared driver
    folder (src/drivers/file/, src/drivers/uring/, src/drivers/virtio-blk/)
    and, of the core, only src/core/driver-api.h; a shared folder likewise
    never includes a driver;
  - the property engine (src/props/) includes no driver and calls no
    driver function through the driver table;
  - the core (src/core/) includes neither a driver nor the property engine;
  - tools/, bench/ and examples/ use only the public header blkio.h.

  check-seam.py ROOT            check the tree at ROOT; exit 1 on a violation
  check-seam.py --self-test ROOT
                                plant one violation of each rule in copies of
                                ROOT and fail unless every one is caught
"""
import os
import re
import shutil
import sys
import tempfile

SHARED_DRIVER_FOLDERS = {"file", "uring", "virtio-blk"}
DRIVER_API = "src/core/driver-api.h"
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
# A call through the driver table: b->drv->connect(...), drv->add_queue(...)
DRIVER_CALL = re.compile(r"\bdrv->\w+\s*\(")
INTERNAL = re.compile(r"^(\.\./)*(src/)?(core|props|drivers)/")
SOURCE = (".c", ".h")


def sources(root, top):
    for dirpath, _, files in os.walk(os.path.join(root, top)):
        for f in sorted(files):
            if f.endswith(SOURCE):
                yield os.path.relpath(os.path.join(dirpath, f), root)


def read(root, rel):
    with open(os.path.join(root, rel), encoding="utf-8") as fh:
        return fh.read()


def resolve(rel, target):
    """The repository path a quoted include names, relative to its file."""
    return os.path.normpath(os.path.join(os.path.dirname(rel), target))


def driver_folder(path):
    parts = path.split(os.sep)
    if len(parts) >= 3 and parts[0] == "src" and parts[1] == "drivers":
        return parts[2]
    return None


def check_driver(rel, kind, target, errors):
    if kind != '"':
        return
    dest = resolve(rel, target)
    own = driver_folder(rel)
    other = driver_folder(dest)
    if dest == DRIVER_API:
        return
    if other == own:
        return
    if other in SHARED_DRIVER_FOLDERS and own not in SHARED_DRIVER_FOLDERS:
        return
    if other:
        errors.append(f"{rel}: includes another driver's {dest}")
    else:
        errors.append(f"{rel}: includes {dest}; a driver may include only "
                      f"{DRIVER_API} of the core")


def check_props(rel, kind, target, errors):
    if kind == '"' and driver_folder(resolve(rel, target)):
        errors.append(f"{rel}: the property engine includes a driver "
                      f"({resolve(rel, target)})")


def check_core(rel, kind, target, errors):
    if kind != '"':
        return
    dest = resolve(rel, target)
    if driver_folder(dest):
        errors.append(f"{rel}: the core includes a driver ({dest})")
    elif dest.startswith("src/props/"):
        errors.append(f"{rel}: the core includes the property engine "
                      f"({dest}); only src/props includes src/core")


def check_user(rel, kind, target, errors):
    dest = resolve(rel, target) if kind == '"' else target
    if INTERNAL.match(target) or dest.startswith("src/"):
        errors.append(f"{rel}: includes library internals ({target}); "
                      "tools, bench and examples use only blkio.h")


RULES = [
    ("src/drivers", check_driver),
    ("src/props", check_props),
    ("src/core", check_core),
    ("tools", check_user),
    ("bench", check_user),
    ("examples", check_user),
]


def check(root):
    errors = []
    for top, rule in RULES:
        for rel in sources(root, top):
            text = read(root, rel)
            for m in INCLUDE.finditer(text):
                rule(rel, m.group(1), m.group(2), errors)
            if top == "src/props" and DRIVER_CALL.search(text):
                errors.append(f"{rel}: the property engine calls a driver "
                              "function through the driver table")
    return errors


# (file to change, line to add, what the report must mention)
PLANTS = [
    ("src/drivers/io_uring/iou-submit.c", '#include "../../core/instance.h"',
     "a driver may include only"),
    ("src/drivers/file/file-req.c", '#include "../io_uring/iou.h"',
     "another driver"),
    ("src/props/common.c", '#include "../drivers/io_uring/iou.h"',
     "property engine includes a driver"),
    ("src/props/common.c",
     "static int planted(struct blkio *b, uint64_t *u) "
     "{ return b->drv->get_capacity(b, u); }",
     "calls a driver function"),
    ("src/core/queue.c", '#include "../props/props.h"',
     "core includes the property engine"),
    ("src/core/registry.c", '#include "../drivers/io_uring/iou.h"',
     "core includes a driver"),
    ("tools/blkio-bench/main.c", '#include "../../src/core/queue.h"',
     "library internals"),
]


def self_test(root):
    failures = 0
    base = check(root)
    if base:
        print("the tree itself has violations:\n  " + "\n  ".join(base))
        return 1
    for rel, line, expect in PLANTS:
        if not os.path.exists(os.path.join(root, rel)):
            print(f"FAIL: {rel} does not exist; update PLANTS")
            failures += 1
            continue
        with tempfile.TemporaryDirectory() as tmp:
            for top, _ in RULES:
                if os.path.isdir(os.path.join(root, top)):
                    shutil.copytree(os.path.join(root, top),
                                    os.path.join(tmp, top))
            with open(os.path.join(tmp, rel), "a", encoding="utf-8") as fh:
                fh.write("\n" + line + "\n")
            found = check(tmp)
        hit = [e for e in found if e.startswith(rel) and expect in e]
        status = "caught" if hit else "MISSED"
        print(f"{status}: {line!r} in {rel}")
        for e in found:
            print(f"    {e}")
        if not hit:
            failures += 1
    print(f"{len(PLANTS) - failures} of {len(PLANTS)} planted violations caught")
    return 1 if failures else 0


def main(argv):
    if len(argv) == 3 and argv[1] == "--self-test":
        return self_test(argv[2])
    if len(argv) != 2:
        print(__doc__)
        return 2
    errors = check(argv[1])
    for e in errors:
        print(e)
    print(f"seam: {len(errors)} violation(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
