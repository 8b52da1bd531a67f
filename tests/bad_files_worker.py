"""Subprocess body for tests/test_bad_files.py: the cases that could block the process that runs them.

The test process runs these with a timeout, so a blocked ``open`` or an endless walk fails one test
instead of hanging the suite.

Usage:
  python bad_files_worker.py list DIR...
      ``list_directory(DIR, follow_links=True)`` for each DIR; prints a JSON list of
      ``[filenames, classes]``, one per DIR.
  python bad_files_worker.py decode PATH
      ``decode_image(PATH)``, then ``load_images([PATH])``; prints a JSON list with one
      ``{"error", "path", "reason"}`` per call (``error`` is null when the call returned).
  python bad_files_worker.py corpus ROOT
      Writes a tree of bad files and symlink loops under ROOT, lists it with links followed and
      loads it with ``on_error="skip"`` on 3 threads; prints ``samples decoded warnings``.
"""

import json
import os
import sys
import warnings


def list_main(directories):
    from jaxaug._src import files

    out = []
    for directory in directories:
        listing = files.list_directory(directory, follow_links=True)
        out.append([list(listing.filenames), listing.classes.tolist()])
    print(json.dumps(out), flush=True)


def decode_main(path):
    from jaxaug._src import files

    outcomes = []
    for call in (files.decode_image, lambda p: files.load_images([p])):
        try:
            call(path)
            outcomes.append({"error": None, "path": None, "reason": None})
        except Exception as err:  # noqa: BLE001 - report whatever is raised; the test judges it
            outcomes.append({"error": type(err).__name__, "path": getattr(err, "path", None), "reason": str(err)})
    print(json.dumps(outcomes), flush=True)


def corpus_main(root):
    from PIL import Image

    from jaxaug._src import files

    os.makedirs(os.path.join(root, "cls", "sub"))
    Image.new("RGB", (5, 4)).save(os.path.join(root, "cls", "ok.png"))
    for name, data in [("zero.jpg", b""), ("text.png", b"hello"), ("trunc.jpg", b"\xff\xd8\xff\xe0" + b"0" * 50)]:
        with open(os.path.join(root, "cls", "sub", name), "wb") as f:
            f.write(data)
    os.symlink(os.path.join(root, "cls"), os.path.join(root, "cls", "sub", "loop"))
    os.symlink(os.path.join(root, "cls", "sub"), os.path.join(root, "cls", "sub", "self"))
    listing = files.list_directory(root, follow_links=True)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        _, ok = files.load_images(listing.filepaths, on_error="skip", num_threads=3, target_size=(4, 5))
    print(listing.samples, int(ok.sum()), len(seen), flush=True)


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "list":
        list_main(sys.argv[2:])
    elif mode == "decode":
        decode_main(sys.argv[2])
    else:
        corpus_main(sys.argv[2])
