"""The cache directory is a trust boundary (issue 11, item 2): a cached native runtime is
loaded only when it matches the digest recorded when it was built, and no entry (library,
digest or compiled object) is used through a symlink, when owned by another user or when
others can write it; each such entry is removed and rebuilt, never loaded."""
import os
import subprocess
import sys
import textwrap

import pytest

from keralite.runtime import cache

LOAD = textwrap.dedent("""
    import warnings
    warnings.simplefilter("always")
    from keralite.runtime import native
    rt = native.load()
    print(rt.path)
""")


def _load(cache_dir):
    env = dict(os.environ, KERALITE_CACHE_DIR=str(cache_dir))
    proc = subprocess.run([sys.executable, "-c", LOAD], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr      # never a crash
    return proc.stdout.strip().splitlines()[-1], proc.stderr


@pytest.fixture
def built(tmp_path):
    path, _ = _load(tmp_path)
    return tmp_path, path


def _digest_ok(path):
    import hashlib
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest() == open(path + ".sha256").read().strip()


def test_a_damaged_library_is_rebuilt_not_loaded(built):
    cache_dir, path = built
    with open(path, "r+b") as f:
        f.seek(200)
        f.write(b"\xff" * 16)
    again, err = _load(cache_dir)
    assert again == path and "does not match the digest" in err
    assert _digest_ok(path)


def test_a_planted_library_never_runs(built, tmp_path_factory):
    cache_dir, path = built
    work = tmp_path_factory.mktemp("plant")
    marker = work / "planted"
    source = work / "plant.c"
    source.write_text('#include <stdio.h>\n__attribute__((constructor)) static void run(void) '
                      '{ FILE *f = fopen("%s", "w"); if (f) { fputs("planted code ran", f); fclose(f); } }\n'
                      % marker)
    subprocess.run(["cc", "-shared", "-fPIC", str(source), "-o", path], check=True)
    _load(cache_dir)
    assert not marker.exists()
    assert _digest_ok(path)


def test_a_symlinked_library_is_not_followed(built, tmp_path_factory):
    cache_dir, path = built
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "lib.so"
    os.replace(path, elsewhere)
    os.symlink(elsewhere, path)
    again, err = _load(cache_dir)
    assert not os.path.islink(path) and _digest_ok(path)
    assert "link" in err


def test_an_entry_writable_by_others_is_rebuilt(built):
    cache_dir, path = built
    os.chmod(path, 0o777)
    os.chmod(path + ".sha256", 0o666)
    _, err = _load(cache_dir)
    assert "writable by others" in err
    assert not os.stat(path).st_mode & 0o022 and _digest_ok(path)


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="needs root to give a file away")
def test_an_entry_owned_by_another_user_is_rebuilt(built):
    cache_dir, path = built
    os.chown(path, 12345, 12345)
    _, err = _load(cache_dir)
    assert os.stat(path).st_uid == os.getuid() and _digest_ok(path)


def test_object_entries_are_checked_the_same_way(tmp_path, monkeypatch):
    monkeypatch.setenv("KERALITE_CACHE_DIR", str(tmp_path))
    cache.put("object", "k1", b"payload one")
    entry = cache.entry_path("object", "k1")
    assert cache.get("object", "k1") == b"payload one"
    os.chmod(entry, 0o666)
    with pytest.warns(UserWarning):
        assert cache.get("object", "k1") is None          # writable by others: ignored, removed
    assert not entry.exists()
    cache.put("object", "k1", b"payload one")
    elsewhere = tmp_path / "elsewhere"
    os.replace(entry, elsewhere)
    os.symlink(elsewhere, entry)
    assert cache.get("object", "k1") is None               # never through a symlink
    assert elsewhere.exists() and not os.path.lexists(entry)
    cache.put("object", "k1", b"payload one")
    os.chmod(tmp_path / "object", 0o777)
    assert cache.get("object", "k1") == b"payload one"     # a loose subdirectory is tightened
    assert not os.stat(tmp_path / "object").st_mode & 0o077
